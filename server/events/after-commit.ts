/**
 * The one way events leave a change: the code that makes the change records them on its
 * transaction's `events` while it works, and they are published here once the transaction has
 * committed — never when it rolls back, never before the change can be read, and never left to a
 * caller to remember (resolvers publish nothing). Wake-ups of this replica that must follow the
 * commit go the same way.
 */
import type { ChannelName, ChannelPayloads } from './channels.ts';
import type { PubSub } from './pubsub.ts';

/** What a transaction's work records its events on. */
export interface TransactionEvents {
  /** Publishes `payload` on `channel` once the transaction commits; never if it rolls back. */
  record<N extends ChannelName>(channel: N, payload: ChannelPayloads[N]): void;
  /** Runs `wake` on this replica once the transaction commits (a scheduler to look for work); never if it rolls back. */
  afterCommit(wake: () => void): void;
}

/** Given to work run without a pub/sub (a test, the CLI): recording there is a mistake, made loud before the commit. */
export const noEvents: TransactionEvents = {
  record: (channel) => {
    throw new Error(`an event on ${channel} was recorded in a transaction that publishes none (give it the pub/sub)`);
  },
  afterCommit: () => {
    throw new Error('a wake-up was recorded in a transaction that publishes none (give it the pub/sub)');
  },
};

class EventLog implements TransactionEvents {
  readonly events: { channel: ChannelName; payload: unknown }[] = [];
  readonly wakeups: (() => void)[] = [];
  ended = false;

  record<N extends ChannelName>(channel: N, payload: ChannelPayloads[N]): void {
    this.#assertOpen(channel);
    this.events.push({ channel, payload });
  }

  afterCommit(wake: () => void): void {
    this.#assertOpen('a wake-up');
    this.wakeups.push(wake);
  }

  /** Work that records after its transaction ended (a callback left running) would lose the event silently. */
  #assertOpen(what: string): void {
    if (this.ended) throw new Error(`${what} was recorded after its transaction ended: it would never be published`);
  }
}

/**
 * Runs `transaction` — which must resolve only once its transaction committed, and reject when it
 * rolled back — with a fresh `events`; then publishes what it recorded, in the order recorded, and
 * runs its wake-ups. Publishing starts before this returns (in process, subscribers have the events
 * by then) but is not waited for: the change is made, and a pub/sub outage is the pub/sub's to log,
 * once, not the caller's failure.
 */
export async function afterCommit<T>(pubsub: PubSub, transaction: (events: TransactionEvents) => Promise<T>): Promise<T> {
  const log = new EventLog();
  let result: T;
  try {
    result = await transaction(log);
  } finally {
    log.ended = true;
  }
  for (const { channel, payload } of log.events) void pubsub.publish(channel, payload as never).catch(() => {});
  for (const wake of log.wakeups) {
    try {
      wake();
    } catch {
      // A wake-up only hastens work that its poller would find anyway.
    }
  }
  return result;
}
