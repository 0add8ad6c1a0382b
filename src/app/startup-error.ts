/** A failure to start that the CLI reports as one clear line (exit status 1). */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** Runs one step of the start; its failure becomes a StartupError, prefixed with what was being done. */
export async function startupStep<T>(what: string | undefined, make: () => Promise<T> | T): Promise<T> {
  try {
    return await make();
  } catch (err) {
    const message = (err as Error).message;
    throw new StartupError(what === undefined ? message : `${what}: ${message}`);
  }
}
