/**
 * The errors of a bad OWS request: a missing or an invalid parameter, with the client's value quoted
 * back short. The locator is the lower-case KVP parameter name (see parse-request.ts).
 */
import { TwitcherError } from '../errors.js';

/** Longest client value quoted back in an error description. */
const QUOTE_MAX = 64;

export function quote(value: string): string {
  return JSON.stringify(value.length > QUOTE_MAX ? `${value.slice(0, QUOTE_MAX)}…` : value);
}

export function missing(locator: string, description: string): TwitcherError {
  return new TwitcherError('missing_parameter', { description, locator });
}

export function invalid(locator: string, description: string): TwitcherError {
  return new TwitcherError('invalid_parameter', { description, locator });
}
