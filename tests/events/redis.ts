/**
 * The Redis that tests use: REDIS_URL, or the one on 127.0.0.1:6379. Suites that need it skip,
 * saying so, only when no Redis answers PING there.
 */
import net from 'node:net';

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether a Redis answers PING at `url` within a second. */
export async function redisAnswers(url = redisUrl): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname || '127.0.0.1', port: Number(port) || 6379 });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
}

export const redisAvailable = await redisAnswers();
// CI sets this: there the Redis suites must run, never skip.
if (!redisAvailable && process.env.LOOKOUT_TEST_REQUIRE_REDIS) throw new Error(`No Redis answers PING at ${redisUrl}, and LOOKOUT_TEST_REQUIRE_REDIS is set (.ci/run starts one).`);
if (!redisAvailable) console.warn(`Skipping the Redis pub/sub tests: no Redis answers PING at ${redisUrl} (set REDIS_URL to use another).`);
