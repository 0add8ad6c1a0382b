import type { AuditQuery } from '../../client/index.js';
import { type Command, stringValue } from '../command.js';
import { UsageError } from '../usage-error.js';

export const audit: Command = {
  path: ['audit'],
  summary: 'Access decisions of acl services, newest first',
  args: [],
  options: {
    user: { type: 'string', short: 'U', metavar: 'USER', help: 'of this user' },
    service: { type: 'string', short: 'S', metavar: 'SERVICE', help: 'on this service' },
    outcome: { type: 'string', metavar: 'allow|deny', help: 'allowed or denied ones only' },
    from: { type: 'string', metavar: 'TIME', help: 'since (ISO 8601, e.g. 2026-01-31T12:00Z)' },
    to: { type: 'string', metavar: 'TIME', help: 'before' },
    limit: {
      type: 'string',
      short: 'l',
      metavar: 'N',
      help: 'at most N records (default 100, at most 1000)',
    },
    cursor: { type: 'string', metavar: 'CURSOR', help: 'the next_cursor of the previous page' },
  },
  auth: 'admin',
  examples: [
    'twitcherctl audit --user bob --outcome deny',
    'twitcherctl audit --service emu --from 2026-01-31 --limit 50',
  ],
  check(args) {
    const outcome = stringValue(args, 'outcome');
    if (outcome !== undefined && outcome !== 'allow' && outcome !== 'deny') {
      throw new UsageError(`--outcome is allow or deny, not "${outcome}"`);
    }
    const limit = stringValue(args, 'limit');
    if (limit !== undefined && !/^[0-9]{1,4}$/.test(limit))
      throw new UsageError(`--limit takes a number, not "${limit}"`);
  },
  async run(ctx, args) {
    const q: AuditQuery = {};
    for (const key of ['user', 'service', 'from', 'to', 'cursor'] as const) {
      const v = stringValue(args, key);
      if (v !== undefined) q[key] = v;
    }
    const outcome = stringValue(args, 'outcome');
    if (outcome === 'allow' || outcome === 'deny') q.outcome = outcome;
    const limit = stringValue(args, 'limit');
    if (limit !== undefined) q.limit = Number(limit);
    // the page: its records, and the cursor of the next one (null at the end)
    return ctx.client().authz.audit(q);
  },
};
