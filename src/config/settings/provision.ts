/** Settings of declarative provisioning (docs/provisioning.md). */

import { withDefault } from '../setting.js';
import * as t from '../setting-types.js';

/** Files applied at every start, before listening. */
export const PROVISION_SETTINGS = {
  'provision.files': withDefault({
    env: 'TWITCHER_PROVISION_FILES',
    type: t.list(),
    default: [] as string[],
    doc:
      "Provisioning files (Twitcher's `format: twitcher/v1`, or Magpie's providers, permissions or combined " +
      'files; a directory stands for its `.yml`, `.yaml`, `.json` and `.cfg` files in name order) applied at ' +
      'every start, before listening, in one transaction, as `twitcher apply` would. Instances starting at once ' +
      'apply them one after the other (the later find nothing to do). A file that cannot be applied stops the start.',
  }),
  'provision.prune': withDefault({
    env: 'TWITCHER_PROVISION_PRUNE',
    type: t.boolean(),
    default: false,
    doc:
      'With `provision.files`: also remove what the files no longer name (services, users, groups, clients, ' +
      'resources, permissions, memberships), as `twitcher apply --prune`. The administrator and the special ' +
      'groups are never removed.',
  }),
  'provision.strict': withDefault({
    env: 'TWITCHER_PROVISION_STRICT',
    type: t.boolean(),
    default: false,
    doc:
      'With `provision.files`: refuse to start when a file holds something Twitcher cannot carry (a Magpie ' +
      'hook, a Phoenix flag, an unknown service type), as `twitcher apply --strict`.',
  }),
};
