/**
 * Resolves once the server has subscribed a channel for a client, or for `times` clients (their
 * subscription resolvers ran and the pub/sub is ready to deliver): what a test waits for between starting a client's
 * subscription and making the change it should hear, instead of sleeping "long enough". A WebSocket
 * subscriber the broadcast delivers (server/http/broadcast.ts) counts when it joins its channel, and
 * the broadcast's own pub/sub subscription (one for all of them) does not.
 */
import type { TestServer } from './server.ts';
import { Broadcast } from '../../server/http/broadcast.ts';
import type { SubscribeOptions } from '../../server/events/pubsub.ts';

export function serverSubscribed(ts: TestServer, channel: string, times = 1): { subscribed: Promise<void>; restore(): void } {
  const { pubsub } = ts.server.app;
  const subscribe = pubsub.subscribe.bind(pubsub);
  const join = Broadcast.prototype.join;
  let heard!: () => void;
  let left = times;
  let joining = false;
  const subscribed = new Promise<void>((resolve) => (heard = resolve));
  const one = () => void (--left === 0 && heard());
  pubsub.subscribe = ((name: string, signal?: AbortSignal, options?: SubscribeOptions) => {
    const subscription = subscribe(name as never, signal, options);
    if (name === channel && !joining) void subscription.ready.then(one, one);
    return subscription;
  }) as typeof pubsub.subscribe;
  Broadcast.prototype.join = function (this: Broadcast, member) {
    joining = true;
    try {
      const ready = join.call(this, member);
      if (member.push.channel === channel) void ready.then(one, one);
      return ready;
    } finally {
      joining = false;
    }
  };
  return {
    subscribed,
    restore: () => {
      pubsub.subscribe = subscribe;
      Broadcast.prototype.join = join;
    },
  };
}
