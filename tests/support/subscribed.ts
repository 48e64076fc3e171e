/**
 * Resolves once the server has subscribed a channel for a client, or for `times` clients (their
 * subscription resolvers ran and the pub/sub is ready to deliver): what a test waits for between starting a client's
 * subscription and making the change it should hear, instead of sleeping "long enough".
 */
import type { TestServer } from './server.ts';

export function serverSubscribed(ts: TestServer, channel: string, times = 1): { subscribed: Promise<void>; restore(): void } {
  const { pubsub } = ts.server.app;
  const subscribe = pubsub.subscribe.bind(pubsub);
  let heard!: () => void;
  let left = times;
  const subscribed = new Promise<void>((resolve) => (heard = resolve));
  const one = () => void (--left === 0 && heard());
  pubsub.subscribe = ((name: string, signal?: AbortSignal) => {
    const subscription = subscribe(name as never, signal);
    if (name === channel) void subscription.ready.then(one, one);
    return subscription;
  }) as typeof pubsub.subscribe;
  return { subscribed, restore: () => void (pubsub.subscribe = subscribe) };
}
