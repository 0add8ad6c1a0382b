/**
 * Standard input as the CLI uses it: the process's own (perhaps a terminal, then with raw mode for
 * a password prompt) or any readable stream, which is never a terminal (main() run in-process).
 */
export type CliStdin = NodeJS.ReadableStream & {
  isTTY?: boolean;
  isRaw?: boolean;
  setRawMode?: (mode: boolean) => unknown;
};

/** What the CLI touches of its process, so that main() says it all in one place. */
export interface CliIO {
  env: Record<string, string | undefined>;
  stdin: CliStdin;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Whether a person can answer a prompt: standard input is a terminal. */
export function interactive(io: CliIO): boolean {
  return io.stdin.isTTY === true;
}
