import { TwitcherClientError } from '../client/index.js';
import type { Command } from './command.js';
import { EXIT } from './exit-codes.js';
import { PromptAborted } from './prompt.js';
import { UsageError } from './usage-error.js';

export interface ErrorReport {
  /** One line, without the `twitcherctl: ` prefix. */
  line: string;
  exitCode: number;
}

/** What to do about a refusal, for the codes people meet (kept to a few words: it is one line). */
function hint(err: TwitcherClientError, command: Command | undefined): string {
  if (err.status === 401 && command?.auth === 'none') return '; check the client id and secret';
  if (err.status === 401 || err.code === 'invalid_credentials' || err.code === 'authentication_required') {
    return command?.auth === 'registry'
      ? '; check -u/-p (TWITCHER_USERNAME/TWITCHER_PASSWORD) or -t (TWITCHER_TOKEN)'
      : '; check -u/-p (or TWITCHER_USERNAME/TWITCHER_PASSWORD)';
  }
  if (err.code === 'service_not_found') return "; 'twitcherctl list' shows the registered names";
  return '';
}

/** An error of the CLI or of its client as one line and an exit code. */
export function reportError(err: unknown, command: Command | undefined): ErrorReport {
  if (err instanceof UsageError) return { line: err.message, exitCode: EXIT.usage };
  if (err instanceof PromptAborted) return { line: err.message, exitCode: EXIT.refused };
  if (err instanceof TwitcherClientError) {
    switch (err.code) {
      case 'invalid_url':
        return {
          line: `${err.message}; check -s/--serverurl, TWITCHER_SERVER or TWITCHER_URL`,
          exitCode: EXIT.usage,
        };
      case 'unreachable':
      case 'timeout': {
        const fix = /certificate/.test(err.message)
          ? '-k/--insecure skips the check'
          : 'is Twitcher running there? Check -s/--serverurl, TWITCHER_SERVER or TWITCHER_URL';
        return { line: `${err.message}; ${fix}`, exitCode: EXIT.unreachable };
      }
      case 'bad_response':
        return { line: `${err.message} (bad_response)`, exitCode: EXIT.refused };
      default: {
        return {
          line: `${err.message} (${err.code}, HTTP ${err.status})${hint(err, command)}`,
          exitCode: EXIT.refused,
        };
      }
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return { line: `unexpected error: ${message} (--debug shows the stack trace)`, exitCode: EXIT.refused };
}
