/**
 * The `event-bus` checker: a probe published on Lookout's pub/sub comes back. Status changes and
 * live subscriptions ride on this bus, so a bus that drops messages leaves every dashboard stale.
 */
import { BadInputError } from '../../errors.ts';
import type { Checker } from './checker.ts';
import { describe, OptionReader } from './options.ts';

/** `event-bus` takes no options. */
export type EventBusOptions = Record<string, never>;

/** The only target: Lookout's own event bus. */
export const EVENT_BUS_TARGET = 'lookout';

/** Publishes a probe through Lookout's pub/sub (in-process or Redis) and waits for it to come back. */
export const eventBusChecker: Checker<EventBusOptions> = {
  kind: 'event-bus',
  description: "Sends a probe through Lookout's own pub/sub (in-process or Redis) and waits for it to come back.",

  validate(target, options) {
    const value = String(target ?? '').trim().toLowerCase();
    if (value !== EVENT_BUS_TARGET) throw new BadInputError('target', `target must be "${EVENT_BUS_TARGET}" (the event bus of this Lookout), got ${describe(target)}.`);
    return { target: value, options: new OptionReader('event-bus', options).finish<EventBusOptions>() };
  },

  async check(service, { signal, host }) {
    if (!host.eventBusProbe) return { status: 'down', error: 'the event bus is not available to checkers in this process', details: {} };
    try {
      const { transport } = await host.eventBusProbe(service.timeoutMs, signal);
      return { status: 'healthy', error: null, details: { transport } };
    } catch (error) {
      return { status: 'down', error: `event bus probe failed: ${error instanceof Error ? error.message : String(error)}`, details: {} };
    }
  },
};
