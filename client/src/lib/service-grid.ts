/**
 * The live service grid: one `healthOverview` query for every service, kept in a Solid store keyed
 * by name so that a check or a status change updates one card's fields in place. Refetches every
 * 30 s only while the socket is down, and once when it comes back.
 */
import { batch, createEffect, createMemo, onCleanup } from 'solid-js';
import type { RoutePreloadFuncArgs } from '@solidjs/router';
import { createStore } from 'solid-js/store';
import { graphql } from '../graphql';
import type { CombinedError } from '@urql/core';
import type { HealthOverviewQuery as HealthOverviewQueryResult, ServiceCardFieldsFragment } from '../graphql/graphql.ts';
import { client } from './urql.ts';
import { connectionStatus, onReconnected } from './connection.ts';
import { formError, type FormError } from './errors.ts';
import { STATUS_KEYS, statusKey, type StatusKey } from './status.ts';

graphql(`
  fragment ServiceCardFields on Service {
    name
    displayName
    kind
    target
    status
    statusSince
    lastCheckedAt
    latencyMs
    lastError
    uptime24h
    recentLatencies
    critical
    tags
    paused
  }
`);

const HealthOverviewQuery = graphql(`
  query HealthOverview {
    healthOverview {
      generatedAt
      configError
      services {
        ...ServiceCardFields
      }
    }
  }
`);

const GridStatusChanged = graphql(`
  subscription GridStatusChanged {
    serviceStatusChanged {
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
/** A preloaded answer older than this is not used. */
const PRELOAD_FRESH_MS = 5000;

/** What the grid needs of a query result. */
interface OverviewAnswer {
  data?: HealthOverviewQueryResult;
  error?: CombinedError;
}

let preloaded: { at: number; answer: Promise<OverviewAnswer> } | null = null;

const askServer = (): Promise<OverviewAnswer> => client.query(HealthOverviewQuery, {}).toPromise();

/**
 * The Overview route's preload: asks for the grid while the session is still loading, so the two
 * round trips overlap instead of following each other. Not on hover (intent "preload").
 */
export function preloadServiceGrid({ intent }: RoutePreloadFuncArgs): void {
  if (intent === 'preload') return;
  preloaded = { at: Date.now(), answer: askServer() };
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

function overviewAnswer(): Promise<OverviewAnswer> {
  const early = preloaded;
  preloaded = null;
  const answer = early && Date.now() - early.at < PRELOAD_FRESH_MS ? early.answer : askServer();
  void answer.finally(() => markGridAnswered());
  return answer;
}

interface GridState {
  loaded: boolean;
  error: FormError | null;
  configError: string | null;
  /** Names in the server's order (by name). */
  names: string[];
  byName: Record<string, GridService>;
}

export interface ServiceGrid {
  state: GridState;
  /** Services per status key, from the live store. */
  counts: () => Record<StatusKey, number>;
  /** Every tag in use, sorted. */
  tags: () => string[];
  refetch: () => Promise<void>;
}

/** Creates the grid's store and wires it to the server; call inside the page component. */
export function createServiceGrid(): ServiceGrid {
  const [state, setState] = createStore<GridState>({ loaded: false, error: null, configError: null, names: [], byName: {} });

  let inFlight: Promise<void> | null = null;
  const refetch = () =>
    (inFlight ??= (async () => {
      try {
        const result = await overviewAnswer();
        if (!result.data) {
          setState('error', formError(result.error));
          return;
        }
        performance.mark('lookout:grid-data');
        const { services, configError } = result.data.healthOverview;
        const names = services.map((s) => s.name);
        batch(() => {
          if (!state.loaded) {
            const byName: Record<string, GridService> = {};
            for (const service of services) byName[service.name] = service;
            setState('byName', byName);
          } else {
            // A shallow merge per service: equal values notify nobody, so only what changed re-renders
            // (arrays are replaced whole, which is what the sparkline tracks).
            const keep = new Set(names);
            for (const service of services) setState('byName', service.name, service);
            for (const name of state.names) if (!keep.has(name)) setState('byName', name, undefined!);
          }
          setState({ loaded: true, error: null, configError: configError ?? null, names });
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
    const current = state.byName[check.service];
    if (!current) return learnNewService();
    // A late event must not roll a card back past a newer one.
    if (current.lastCheckedAt && current.lastCheckedAt > check.checkedAt) return;
    setState('byName', check.service, {
      latencyMs: check.latencyMs,
      lastCheckedAt: check.checkedAt,
      lastError: check.error ?? null,
      recentLatencies: [...current.recentLatencies.slice(1 - SPARKLINE_POINTS), check.latencyMs],
    });
  });
  const changes = client.subscription(GridStatusChanged, {}).subscribe((result) => {
    const change = result.data?.serviceStatusChanged;
    if (!change) return;
    if (!state.byName[change.service]) return learnNewService();
    setState('byName', change.service, { status: change.status, statusSince: change.at });
  });
  onCleanup(() => {
    checks.unsubscribe();
    changes.unsubscribe();
    clearTimeout(unknownTimer);
  });

  void refetch();
  onReconnected(() => void refetch());
  createEffect(() => {
    if (connectionStatus() !== 'reconnecting') return;
    const timer = setInterval(() => void refetch(), OFFLINE_REFETCH_MS);
    onCleanup(() => clearInterval(timer));
  });

  const counts = createMemo(() => {
    const result = Object.fromEntries(STATUS_KEYS.map((k) => [k, 0])) as Record<StatusKey, number>;
    for (const name of state.names) {
      const s = state.byName[name];
      if (s) result[statusKey(s.status, s.paused)]++;
    }
    return result;
  });
  const tags = createMemo(() => {
    const all = new Set<string>();
    for (const name of state.names) for (const tag of state.byName[name]?.tags ?? []) all.add(tag);
    return [...all].sort();
  });

  return { state, counts, tags, refetch };
}
