/** A command line that cannot be run as written: exit 2 with a one-line message saying what to do. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
