/** Settings of the log. */

import { withDefault } from '../setting.js';
import * as t from '../setting-types.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The JSON log lines on standard output. */
export const LOG_SETTINGS = {
  'log.level': withDefault({
    env: 'TWITCHER_LOG_LEVEL',
    type: t.oneOf(LOG_LEVELS),
    default: 'info',
    doc: 'Log level of the JSON log lines written to standard output.',
  }),
};
