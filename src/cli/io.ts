/** What the CLI touches of its process, so that main() says it all in one place. */
export interface CliIO {
  env: Record<string, string | undefined>;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Whether a person can answer a prompt: standard input is a terminal. */
export function interactive(io: CliIO): boolean {
  return io.stdin.isTTY === true;
}
