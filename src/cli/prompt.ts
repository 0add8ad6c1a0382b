import { createInterface, emitKeypressEvents } from 'node:readline';
import type { CliIO } from './io.js';

/** Thrown when the person at the terminal presses Ctrl-C or Ctrl-D at a prompt. */
export class PromptAborted extends Error {
  override readonly name = 'PromptAborted';
}

/**
 * Reads a line on the terminal without echoing it (a password), with the prompt on stderr so that
 * stdout stays the command's JSON. Raw mode and keypress events: readline has no "silent" option.
 */
export function askSecret(io: CliIO, prompt: string): Promise<string> {
  const { stdin, stderr } = io;
  emitKeypressEvents(stdin);
  const wasRaw = stdin.isRaw === true;
  // raw (no echo) before the prompt shows: whatever is typed after it is never echoed
  stdin.setRawMode?.(true);
  stderr.write(prompt);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let secret = '';
    const done = (result: string | Error) => {
      stdin.off('keypress', onKey);
      stdin.setRawMode?.(wasRaw);
      stdin.pause();
      stderr.write('\n');
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onKey = (chunk: string | undefined, key: { name?: string; ctrl?: boolean } | undefined) => {
      if (key?.ctrl && (key.name === 'c' || key.name === 'd')) done(new PromptAborted('aborted'));
      else if (key?.name === 'return' || key?.name === 'enter') done(secret);
      else if (key?.name === 'backspace') secret = secret.slice(0, -1);
      else if (chunk !== undefined && !key?.ctrl && !/[\r\n]/.test(chunk)) secret += chunk;
    };
    stdin.on('keypress', onKey);
  });
}

/** Asks a yes/no question on the terminal; only y or yes is a yes. */
export async function confirm(io: CliIO, question: string): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('close', () => resolve(''));
      rl.question(`${question} [y/N] `, resolve);
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
