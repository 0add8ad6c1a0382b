/**
 * The fetch `dispatcher` that skips TLS verification (`insecure: true`, twitcherctl -k, like curl -k).
 *
 * Node's fetch is undici, but Node does not expose undici's Agent; the package's own `undici`
 * dependency provides it. It is imported only when asked for, so a client that verifies TLS loads
 * nothing but Node's built-ins.
 */
export interface InsecureDispatcher {
  /** Passed as `dispatcher` in fetch's init. */
  dispatcher: object;
  close(): Promise<void>;
}

export async function createInsecureDispatcher(): Promise<InsecureDispatcher> {
  const { Agent } = await import('undici');
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  return { dispatcher: agent, close: () => agent.close() };
}
