import { Readable, Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface CtlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `twitcherctl ARGS` run in-process by main(), with only the given environment, stdin not a terminal. */
export async function runTwitcherctl(args: string[], env: Record<string, string> = {}): Promise<CtlRun> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  const code = await main(args, {
    env: { ...env },
    stdin: Readable.from([]),
    stdout: sink((text) => {
      stdout += text;
    }),
    stderr: sink((text) => {
      stderr += text;
    }),
  });
  return { code, stdout, stderr };
}
