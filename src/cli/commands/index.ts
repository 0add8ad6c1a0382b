import type { Command } from '../command.js';
import { attenuate } from './attenuate.js';
import { audit } from './audit.js';
import { clientsAdd, clientsDelete, clientsGet, clientsList, clientsOwner } from './clients.js';
import {
  groupsAdd,
  groupsDelete,
  groupsGet,
  groupsJoin,
  groupsLeave,
  groupsList,
  groupsSet,
} from './groups.js';
import { add, gentoken } from './oauth.js';
import { permissionsGrant, permissionsList, permissionsRevoke } from './permissions.js';
import { apply, exportCommand } from './provision.js';
import { resourcesAdd, resourcesDelete, resourcesList, resourcesMove } from './resources.js';
import { clear, get, list, register, unregister, update } from './services.js';
import { tokensIntrospect, tokensIssue, tokensRevoke } from './tokens.js';
import { usersAdd, usersDelete, usersEffective, usersGet, usersList, usersSet } from './users.js';

/** Every command, in the order --help lists them. */
export const COMMANDS: readonly Command[] = [
  add,
  gentoken,
  list,
  get,
  register,
  update,
  unregister,
  clear,
  clientsList,
  clientsGet,
  clientsDelete,
  clientsAdd,
  clientsOwner,
  tokensIssue,
  tokensRevoke,
  tokensIntrospect,
  attenuate,
  usersList,
  usersGet,
  usersAdd,
  usersSet,
  usersDelete,
  usersEffective,
  groupsList,
  groupsGet,
  groupsAdd,
  groupsSet,
  groupsDelete,
  groupsJoin,
  groupsLeave,
  resourcesList,
  resourcesAdd,
  resourcesMove,
  resourcesDelete,
  permissionsList,
  permissionsGrant,
  permissionsRevoke,
  audit,
  apply,
  exportCommand,
];

/** Commands of two words: their first word. */
export const GROUPS: Record<string, string> = {
  clients: 'OAuth2 clients: list, get, delete, add, owner',
  tokens: 'access tokens: issue, revoke, introspect',
  users: 'users: list, get, add, set, delete, effective (what a user may do, and why)',
  groups: 'groups: list, get, add, set, delete, join, leave',
  resources: "a service's resource tree: list, add, move, delete",
  permissions: 'permissions of users and groups on acl services: list, grant, revoke',
};
