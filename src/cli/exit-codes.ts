/** twitcherctl's exit codes (documented in --help and docs/cli.md). */
export const EXIT = {
  /** done */
  ok: 0,
  /** refused by the server (or an answer that is not Twitcher's), or declined at the prompt */
  refused: 1,
  /** the command line is wrong */
  usage: 2,
  /** no answer from the server */
  unreachable: 3,
} as const;
