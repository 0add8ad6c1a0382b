import type { Command } from '../command.js';
import { attenuate } from './attenuate.js';
import { clientsDelete, clientsGet, clientsList } from './clients.js';
import { add, gentoken } from './oauth.js';
import { clear, get, list, register, unregister } from './services.js';
import { tokensIntrospect, tokensIssue, tokensRevoke } from './tokens.js';

/** Every command, in the order --help lists them. */
export const COMMANDS: readonly Command[] = [
  add,
  gentoken,
  list,
  get,
  register,
  unregister,
  clear,
  clientsList,
  clientsGet,
  clientsDelete,
  tokensIssue,
  tokensRevoke,
  tokensIntrospect,
  attenuate,
];

/** Commands of two words: their first word. */
export const GROUPS: Record<string, string> = {
  clients: 'OAuth2 clients: list, get, delete',
  tokens: 'access tokens: issue, revoke, introspect',
};
