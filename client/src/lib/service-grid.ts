/**
 * The live service grid: one `healthOverview` query for every service, then updates in place from
 * the subscriptions. Each service is one signal holding its card's plain data, replaced whole on
 * every change: building a thousand cards then costs a thousand signals (a store would wrap every
 * service in a proxy and make a signal for every field a card reads), and a change re-runs only
 * that card's bindings. Refetches every 30 s only while the socket is down, and once when it is back.
 * The names come worst first (lib/grid-order.ts), re-sorted only when a service's status, critical
 * flag or display name changes, never on a mere check.
 */
import { batch, createEffect, createMemo, createSignal, onCleanup, untrack, type Accessor, type Signal } from 'solid-js';
import { createStore } from 'solid-js/store';
import { graphql } from '../graphql';
import type { CombinedError } from '@urql/core';
import type { HealthOverviewQuery as HealthOverviewQueryResult, ServiceCardFieldsFragment } from '../graphql/graphql.ts';
import { client } from './urql.ts';
import { HealthOverviewQuery } from './overview-query.ts';
import { takeEarlyAnswer } from './early-answers.ts';
import { connectionStatus, onReconnected } from './connection.ts';
import { formError, type FormError } from './errors.ts';
import { STATUS_KEYS, statusKey, type StatusKey } from './status.ts';
import { orderServices, sameOrderKey } from './grid-order.ts';

const GridStatusChanged = graphql(`
  subscription GridStatusChanged($since: DateTime) {
    serviceStatusChanged(since: $since) {
      service
      status
      at
    }
  }
`);

const GridCheckRecorded = graphql(`
  subscription GridCheckRecorded {
    healthCheckRecorded {
      service
      checkedAt
      status
      latencyMs
      error
    }
  }
`);

export type GridService = ServiceCardFieldsFragment;

/** Points kept in a card's sparkline (the server keeps the last 20 latencies). */
const SPARKLINE_POINTS = 20;
const OFFLINE_REFETCH_MS = 30_000;
/**
 * The status subscription replays the transitions stored from this long before the grid's data was
 * read (a batch whose transaction began before the read may commit after it); replayed transitions
 * the cards already show are ignored. Once it has caught up, a plain subscription (no replay) takes
 * over, so that a reconnecting socket does not replay everything since the page was opened.
 */
const REPLAY_MARGIN_MS = 60_000;
const REPLAY_HANDOVER_MS = 10_000;

/** What the grid needs of a query result. */
interface OverviewAnswer {
  data?: HealthOverviewQueryResult;
  error?: CombinedError;
}

let markGridAnswered: () => void = () => {};
const gridAnswered = new Promise<void>((resolve) => {
  markGridAnswered = resolve;
  setTimeout(resolve, 3000); // never hold the rest of the page back for long
});

/**
 * Resolves once the grid's first answer has arrived (or after 3 s): the Overview's secondary
 * queries wait for it, so the one query that paints the page is not queued behind them.
 */
export function afterGridAnswered(): Promise<void> {
  return gridAnswered;
}

/** The entry script's early answer the first time (main.tsx asks it on the Overview), else asked now. */
async function overviewAnswer(): Promise<OverviewAnswer> {
  try {
    const early = await takeEarlyAnswer(HealthOverviewQuery);
    return early ? { data: early } : await client.query(HealthOverviewQuery, {}).toPromise();
  } finally {
    markGridAnswered();
  }
}

interface GridState {
  loaded: boolean;
  error: FormError | null;
  configError: string | null;
}

/** Services per status key, and the critical ones down or degraded (they decide overall health). */
export interface GridTally {
  counts: Record<StatusKey, number>;
  criticalDown: number;
  criticalDegraded: number;
}

export interface ServiceGrid {
  state: GridState;
  /** Names worst first: down, degraded, pending, healthy, paused; critical first; then by display name. */
  names: Accessor<string[]>;
  /** A service's live card data; only for a name in `names()`. */
  service: (name: string) => Accessor<GridService>;
  /** Services per status key. */
  counts: Accessor<Record<StatusKey, number>>;
  /** The counts with the critical services down or degraded, live (the Overview's verdict reads it). */
  tally: Accessor<GridTally>;
  /** Every tag in use, sorted. */
  tags: Accessor<string[]>;
  refetch: () => Promise<void>;
}

/** Creates the grid's state and wires it to the server; call inside the page component. */
export function createServiceGrid(): ServiceGrid {
  const [state, setState] = createStore<GridState>({ loaded: false, error: null, configError: null });
  const [listed, setListed] = createSignal<string[]>([]);
  const cards = new Map<string, Signal<GridService>>();
  // Bumped when a change may move a card in the order; a check that changes only latency does not.
  const [orderChanged, bumpOrder] = createSignal(undefined, { equals: false });
  /** Replaces a card's data, asking for a re-sort only when its place may have changed. */
  const setCard = (card: Signal<GridService>, next: GridService) => {
    const before = card[0]();
    card[1](next);
    if (!sameOrderKey(before, next)) bumpOrder();
  };

  let inFlight: Promise<void> | null = null;
  const refetch = () =>
    (inFlight ??= (async () => {
      try {
        performance.mark('lookout:grid-asked');
        const result = await overviewAnswer();
        if (!result.data) {
          setState('error', formError(result.error));
          return;
        }
        performance.mark('lookout:grid-data');
        const { services, configError, generatedAt } = result.data.healthOverview;
        followChanges(generatedAt);
        batch(() => {
          const listed = new Set<string>();
          for (const service of services) {
            listed.add(service.name);
            const card = cards.get(service.name);
            if (card) setCard(card, service);
            else cards.set(service.name, createSignal(service));
          }
          for (const name of cards.keys()) if (!listed.has(name)) cards.delete(name);
          setListed([...listed]);
          setState({ loaded: true, error: null, configError: configError ?? null });
        });
        // User-timing marks for the dashboard benchmark (bench/dashboard): data in hand, grid built,
        // and the first frame after it (style, layout and paint done).
        performance.mark('lookout:grid-rendered');
        requestAnimationFrame(() => setTimeout(() => performance.mark('lookout:grid-painted')));
      } finally {
        inFlight = null;
      }
    })());

  let unknownTimer: ReturnType<typeof setTimeout> | undefined;
  /** An event for a service the grid does not know yet (just created): fetch the list again, once. */
  const learnNewService = () => {
    unknownTimer ??= setTimeout(() => {
      unknownTimer = undefined;
      void refetch();
    }, 1000);
  };

  const checks = client.subscription(GridCheckRecorded, {}).subscribe((result) => {
    const check = result.data?.healthCheckRecorded;
    if (!check) return;
    const card = cards.get(check.service);
    if (!card) return learnNewService();
    const current = card[0]();
    // A late event must not roll a card back past a newer one.
    if (current.lastCheckedAt && current.lastCheckedAt > check.checkedAt) return;
    setCard(card, {
      ...current,
      latencyMs: check.latencyMs,
      lastCheckedAt: check.checkedAt,
      lastError: check.error ?? null,
      recentLatencies: [...current.recentLatencies.slice(1 - SPARKLINE_POINTS), check.latencyMs],
    });
  });
  // Status changes from just before the grid's data was read, then live: a service that changed
  // between the read and the subscription's start is not left showing its old status.
  let following = false;
  let replaying: { unsubscribe(): void } | undefined;
  let live: { unsubscribe(): void } | undefined;
  let disposed = false;
  let handover: ReturnType<typeof setTimeout> | undefined;
  const onChange = (result: { data?: { serviceStatusChanged: { service: string; status: GridService['status']; at: string } } }) => {
    const change = result.data?.serviceStatusChanged;
    if (!change) return;
    const card = cards.get(change.service);
    if (!card) return learnNewService();
    const current = card[0]();
    // Replayed or late: the card already shows this transition or a later one.
    if (current.statusSince && current.statusSince >= change.at) return;
    setCard(card, { ...current, status: change.status, statusSince: change.at });
  };
  const followChanges = (generatedAt: string) => {
    if (disposed || following) return;
    following = true;
    const since = new Date(new Date(generatedAt).getTime() - REPLAY_MARGIN_MS).toISOString();
    replaying = client.subscription(GridStatusChanged, { since }).subscribe(onChange);
    handover = setTimeout(() => {
      live = client.subscription(GridStatusChanged, {}).subscribe(onChange);
      // Both for a moment, so that nothing falls between them (a change seen twice is ignored).
      handover = setTimeout(() => {
        replaying?.unsubscribe();
        replaying = undefined;
      }, 2000);
    }, REPLAY_HANDOVER_MS);
  };
  onCleanup(() => {
    disposed = true;
    clearTimeout(handover);
    checks.unsubscribe();
    replaying?.unsubscribe();
    live?.unsubscribe();
    clearTimeout(unknownTimer);
  });

  void refetch();
  onReconnected(() => void refetch());
  createEffect(() => {
    if (connectionStatus() !== 'reconnecting') return;
    const timer = setInterval(() => void refetch(), OFFLINE_REFETCH_MS);
    onCleanup(() => clearInterval(timer));
  });

  const service = (name: string) => cards.get(name)![0];
  // Sorted again only when the list or an order key changed: reading the cards untracked keeps a
  // thousand checks a minute from sorting a thousand names each time.
  const names = createMemo(
    () => {
      orderChanged();
      const all = listed();
      return untrack(() => orderServices(all, (name) => cards.get(name)![0]()));
    },
    [],
    { equals: (a, b) => a.length === b.length && a.every((name, i) => name === b[i]) },
  );
  // The tally and the tags read every card, so they run again on every check; their answers
  // rarely change, and equal answers notify nobody.
  const tally = createMemo(
    () => {
      const counts = Object.fromEntries(STATUS_KEYS.map((k) => [k, 0])) as Record<StatusKey, number>;
      let criticalDown = 0;
      let criticalDegraded = 0;
      for (const name of listed()) {
        const s = cards.get(name)?.[0]();
        if (!s) continue;
        const key = statusKey(s.status, s.paused);
        counts[key]++;
        if (s.critical && key === 'down') criticalDown++;
        if (s.critical && key === 'degraded') criticalDegraded++;
      }
      return { counts, criticalDown, criticalDegraded };
    },
    undefined,
    { equals: (a, b) => a.criticalDown === b.criticalDown && a.criticalDegraded === b.criticalDegraded && STATUS_KEYS.every((k) => a.counts[k] === b.counts[k]) },
  );
  const counts = createMemo(() => tally().counts);
  const tags = createMemo(
    () => {
      const all = new Set<string>();
      for (const name of listed()) for (const tag of cards.get(name)?.[0]().tags ?? []) all.add(tag);
      return [...all].sort();
    },
    undefined,
    { equals: (a, b) => a.length === b.length && a.every((tag, i) => tag === b[i]) },
  );

  return { state, names, service, counts, tally, tags, refetch };
}
