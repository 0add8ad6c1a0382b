/**
 * The Redis connection of the shared rate limits (ioredis): commands fail at once while it is down
 * (no offline queue) and wait at most `timeout` for an answer; it reconnects on its own.
 */
import { Redis } from 'ioredis';

export interface RedisConnection {
  client: Redis;
  close(): void;
}

/**
 * Connects to `url` and waits up to `timeout` for it to be ready. An unreachable Redis does not stop
 * the start: `onError` hears of it (and of every later failure), and requests meet the failure mode.
 */
export async function connectRedis(
  url: string,
  timeout: number,
  onError: (err: Error) => void,
): Promise<RedisConnection> {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    connectTimeout: timeout,
    commandTimeout: timeout,
    maxRetriesPerRequest: 0,
    // back within two seconds of Redis coming back, without hammering it while it is away
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  client.on('error', onError);
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeout);
    client.once('ready', done);
  });
  return { client, close: () => client.disconnect() };
}
