import type { ResourceKind } from '../../client/index.js';
import { type Command, stringValue } from '../command.js';
import { UsageError } from '../usage-error.js';

const KINDS = ['process', 'layer', 'featuretype', 'coverage', 'record', 'path'];

/** `12` is an id; anything else a name or a path of names. */
const ref = (value: string): number | string => (/^[0-9]+$/.test(value) ? Number(value) : value);

export const resourcesList: Command = {
  path: ['resources', 'list'],
  summary: "List a service's resources (parents first)",
  args: [{ name: 'SERVICE', help: 'the service name' }],
  options: {},
  auth: 'admin',
  examples: ['twitcherctl -o table resources list maps'],
  run: (ctx, { positionals: [service = ''] }) => ctx.client().authz.listResources(service),
};

export const resourcesAdd: Command = {
  path: ['resources', 'add'],
  summary: 'Add a process, layer, feature type, coverage, record or path to a service',
  args: [
    { name: 'SERVICE', help: 'the service name' },
    { name: 'KIND', help: KINDS.join(', ') },
    { name: 'NAME', help: 'the process id, layer name, … or one path segment' },
  ],
  options: {
    parent: {
      type: 'string',
      metavar: 'RESOURCE',
      help: 'the parent layer or path: its id or its path of names',
    },
  },
  auth: 'admin',
  examples: [
    'twitcherctl resources add emu process hello',
    'twitcherctl resources add maps layer cities --parent world',
    'twitcherctl resources add thredds path cmip6 --parent birdhouse',
  ],
  check(args) {
    const kind = args.positionals[1] ?? '';
    if (!KINDS.includes(kind)) throw new UsageError(`KIND is ${KINDS.join(', ')}, not "${kind}"`);
  },
  run(ctx, { positionals: [service = '', kind = '', name = ''], values }) {
    const parent = typeof values['parent'] === 'string' ? ref(values['parent']) : undefined;
    return ctx.client().authz.addResource(service, {
      kind: kind as ResourceKind,
      name,
      ...(parent !== undefined && { parent }),
    });
  },
};

export const resourcesMove: Command = {
  path: ['resources', 'move'],
  summary: 'Rename a resource or move it under another parent',
  args: [
    { name: 'SERVICE', help: 'the service name' },
    { name: 'RESOURCE', help: 'its id or name' },
  ],
  options: {
    parent: { type: 'string', metavar: 'RESOURCE', help: 'the new parent (id or path)' },
    top: { type: 'boolean', help: 'move it directly under the service' },
    name: { type: 'string', short: 'n', metavar: 'NAME', help: 'a new name' },
  },
  auth: 'admin',
  examples: [
    'twitcherctl resources move maps capitals --parent world/cities',
    'twitcherctl resources move maps 12 --top',
  ],
  check(args) {
    if (stringValue(args, 'parent') !== undefined && args.values['top'] === true) {
      throw new UsageError('give --parent or --top, not both');
    }
    if (
      stringValue(args, 'parent') === undefined &&
      args.values['top'] !== true &&
      stringValue(args, 'name') === undefined
    ) {
      throw new UsageError('resources move needs --parent, --top or --name');
    }
  },
  run(ctx, args) {
    const parent = args.values['top'] === true ? null : stringValue(args, 'parent');
    const name = stringValue(args, 'name');
    return ctx.client().authz.updateResource(args.positionals[0] ?? '', ref(args.positionals[1] ?? ''), {
      ...(parent !== undefined && { parent: parent === null ? null : ref(parent) }),
      ...(name !== undefined && { name }),
    });
  },
};

export const resourcesDelete: Command = {
  path: ['resources', 'delete'],
  summary: 'Remove a resource, its descendants and the permissions on them',
  args: [
    { name: 'SERVICE', help: 'the service name' },
    { name: 'RESOURCE', help: 'its id or name' },
  ],
  options: {},
  auth: 'admin',
  examples: ['twitcherctl resources delete maps 12'],
  async run(ctx, { positionals: [service = '', resource = ''] }) {
    await ctx.client().authz.deleteResource(service, ref(resource));
    return { service, resource, deleted: true };
  },
};
