/**
 * The live service grid: a page of the services, worst first, with the counts and tags of all of
 * them, from one `healthOverview` query; then updates in place from the subscriptions. The server
 * orders and filters (status, tag, text), so 10,000 services cost the page shown, not 10,000 cards:
 * `showMore` asks for the next page with the ones shown. Each service shown is one signal holding
 * its card's plain data, replaced whole on every change (a store would wrap every service in a
 * proxy and make a signal for every field a card reads), and a change re-runs only that card's
 * bindings. A check updates its card; a status change recolours its card and the counts at once,
 * then the page is asked again (at most once a second) so the order, the counts and which services
 * are shown come from the server. Refetches every 30 s only while the socket is down, and once when
 * it is back.
 */
import { batch, createEffect, createSignal, on, onCleanup, type Accessor, type Signal } from 'solid-js';
import { createStore } from 'solid-js/store';
import { graphql } from '../graphql';
import type { CombinedError } from '@urql/core';
import type { HealthOverviewQuery as HealthOverviewQueryResult, ServiceCardFieldsFragment, ServiceFilter, ServiceStatusFilter } from '../graphql/graphql.ts';
import { client } from './urql.ts';
import { HealthOverviewQuery } from './overview-query.ts';
import { GRID_PAGE, nextPageSize } from './grid-page.ts';
import { takeEarlyAnswer } from './early-answers.ts';
import { connectionStatus, onReconnected } from './connection.ts';
import { formError, type FormError } from './errors.ts';
import { statusKey, type StatusKey } from './status.ts';
import { createRefreshThrottle } from './refresh-throttle.ts';

const GridStatusChanged = graphql(`
  subscription GridStatusChanged($since: DateTime) {
    serviceStatusChanged(since: $since) {
      service
      critical
      previousStatus
      status
      at
    }
  }
`);

const GridCheckRecorded = graphql(`
  subscription GridCheckRecorded($services: [String!]) {
    healthCheckRecorded(services: $services) {
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

/** The entry script's early answer (the first page, unfiltered) when `early`, else asked now. */
async function overviewAnswer(early: boolean, variables: { filter: ServiceFilter | null; first: number }): Promise<OverviewAnswer> {
  try {
    const answer = early ? await takeEarlyAnswer(HealthOverviewQuery) : null;
    return answer ? { data: answer } : await client.query(HealthOverviewQuery, variables).toPromise();
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

/** What the grid shows: services of one status key, with one tag, whose name, display name or target holds the text. */
export interface GridFilter {
  status: StatusKey | null;
  tag: string | null;
  text: string;
}

export interface ServiceGrid {
  state: GridState;
  /** The names shown, worst first: down, degraded, pending, healthy, paused; critical first; then by display name. */
  names: Accessor<string[]>;
  /** A service's live card data; only for a name in `names()`. */
  service: (name: string) => Accessor<GridService>;
  /** Every service per status key, whatever the filter. */
  counts: Accessor<Record<StatusKey, number>>;
  /** The counts with the critical services down or degraded, live (the Overview's verdict reads it). */
  tally: Accessor<GridTally>;
  /** Every service, whatever the filter. */
  total: Accessor<number>;
  /** The services matching the filter, shown or not. */
  matching: Accessor<number>;
  /** Every tag in use, sorted. */
  tags: Accessor<string[]>;
  /** Whether the next page is being asked for. */
  loadingMore: Accessor<boolean>;
  /** Asks for the next page of services matching the filter, with those shown. */
  showMore: () => void;
  refetch: () => Promise<void>;
}

/**
 * A card's data from a page read, keeping what the live events brought after that read: a status
 * change or a check newer than the read's (a refetch may have been asked before they arrived).
 */
function fresher(live: GridService, read: GridService): GridService {
  let card = read;
  if (live.statusSince && (!read.statusSince || live.statusSince > read.statusSince)) card = { ...card, status: live.status, statusSince: live.statusSince };
  if (live.lastCheckedAt && (!read.lastCheckedAt || live.lastCheckedAt > read.lastCheckedAt)) {
    card = { ...card, latencyMs: live.latencyMs, lastCheckedAt: live.lastCheckedAt, lastError: live.lastError, recentLatencies: live.recentLatencies };
  }
  return card;
}

/** The filter as the server takes it; null for none. */
function serverFilter(filter: GridFilter): ServiceFilter | null {
  const out: ServiceFilter = {};
  if (filter.status === 'paused') out.paused = true;
  else if (filter.status) {
    out.status = [filter.status.toUpperCase() as ServiceStatusFilter];
    out.paused = false;
  }
  if (filter.tag) out.tag = filter.tag;
  const text = filter.text.trim();
  if (text) out.text = text;
  return Object.keys(out).length ? out : null;
}

const EMPTY_TALLY: GridTally = { counts: { healthy: 0, degraded: 0, down: 0, pending: 0, paused: 0 }, criticalDown: 0, criticalDegraded: 0 };
/** Typing in the text filter asks the server once the typing pauses. */
const TEXT_PAUSE_MS = 250;
/** Transitions of services not shown remembered as counted (a page read after them counts them anyway). */
const MAX_COUNTED = 10_000;
/** A status change asks for the page again at once, then at most once in this time. */
const CHANGE_REFETCH_GAP_MS = 1000;

/** Creates the grid's state and wires it to the server; call inside the page component. */
export function createServiceGrid(filter: GridFilter): ServiceGrid {
  const [state, setState] = createStore<GridState>({ loaded: false, error: null, configError: null });
  const [listed, setListed] = createSignal<string[]>([]);
  const [tally, setTally] = createSignal<GridTally>(EMPTY_TALLY);
  const [total, setTotal] = createSignal(0);
  const [matching, setMatching] = createSignal(0);
  const [tags, setTags] = createSignal<string[]>([], { equals: (a, b) => a.length === b.length && a.every((tag, i) => tag === b[i]) });
  const [limit, setLimit] = createSignal(GRID_PAGE);
  const [loadingMore, setLoadingMore] = createSignal(false);
  const cards = new Map<string, Signal<GridService>>();
  /** When the counts shown were read: a live transition after it moves them at once. */
  let countedAt = '';
  /** Transitions of services not shown already counted (the replaying and the live subscription both deliver them for a moment). */
  const counted = new Set<string>();

  let first = true;
  let running: Promise<void> | null = null;
  let again = false;
  const fetchPage = async () => {
    const variables = { filter: serverFilter(filter), first: limit() };
    performance.mark('lookout:grid-asked');
    const result = await overviewAnswer(first && !variables.filter && variables.first === GRID_PAGE, variables);
    first = false;
    if (!result.data) {
      setState('error', formError(result.error));
      return;
    }
    performance.mark('lookout:grid-data');
    const { services, configError, generatedAt, summary, totalCount, tags } = result.data.healthOverview;
    followChanges(generatedAt);
    countedAt = generatedAt;
    batch(() => {
      const shown = new Set<string>();
      for (const service of services) {
        shown.add(service.name);
        const card = cards.get(service.name);
        if (card) card[1](fresher(card[0](), service));
        else cards.set(service.name, createSignal(service));
      }
      for (const name of cards.keys()) if (!shown.has(name)) cards.delete(name);
      setListed(services.map((s) => s.name));
      const { criticalDown, criticalDegraded, total, ...counts } = summary;
      setTally({ counts, criticalDown, criticalDegraded });
      setTotal(total);
      setMatching(totalCount);
      setTags(tags);
      setState({ loaded: true, error: null, configError: configError ?? null });
    });
    followChecks(services.map((s) => s.name));
    // User-timing marks for the dashboard benchmark (bench/dashboard): data in hand, grid built,
    // and the first frame after it (style, layout and paint done).
    performance.mark('lookout:grid-rendered');
    requestAnimationFrame(() => setTimeout(() => performance.mark('lookout:grid-painted')));
  };
  /** Asks for the page as the filter and the limit are now; a call during a request leads to one more after it. */
  const refetch = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await fetchPage();
        } while (again && !disposed);
      } finally {
        running = null;
        setLoadingMore(false);
      }
    })();
    return running;
  };
  const refetchSoon = createRefreshThrottle(refetch, CHANGE_REFETCH_GAP_MS);

  // The filter changed: the first page of what matches it (text once the typing pauses).
  let textTimer: ReturnType<typeof setTimeout> | undefined;
  createEffect(
    on(
      () => [filter.status, filter.tag, filter.text.trim()] as const,
      (now, before) => {
        if (before && now.every((value, i) => value === before[i])) return; // spaces around the text change nothing
        clearTimeout(textTimer);
        setLimit(GRID_PAGE);
        if (before && now[2] !== before[2]) textTimer = setTimeout(() => void refetch(), TEXT_PAUSE_MS);
        else void refetch();
      },
      { defer: true },
    ),
  );
  const showMore = () => {
    const next = nextPageSize(listed().length, matching());
    if (loadingMore() || next === null) return;
    setLoadingMore(true);
    setLimit(next);
    void refetch();
  };

  // Checks of the services shown: subscribed again whenever the set shown changes.
  let checks: { unsubscribe(): void } | undefined;
  let checksOf = '';
  const followChecks = (names: string[]) => {
    const key = [...names].sort().join('\n');
    if (disposed || key === checksOf) return;
    checksOf = key;
    checks?.unsubscribe();
    checks = client.subscription(GridCheckRecorded, { services: names }).subscribe((result) => {
      const check = result.data?.healthCheckRecorded;
      const card = check && cards.get(check.service);
      if (!card) return;
      const current = card[0]();
      // A late event must not roll a card back past a newer one.
      if (current.lastCheckedAt && current.lastCheckedAt > check.checkedAt) return;
      card[1]({
        ...current,
        latencyMs: check.latencyMs,
        lastCheckedAt: check.checkedAt,
        lastError: check.error ?? null,
        recentLatencies: [...current.recentLatencies.slice(1 - SPARKLINE_POINTS), check.latencyMs],
      });
    });
  };

  /** Moves one service in the counts, from one status key to another. */
  const recount = (from: StatusKey, to: StatusKey, critical: boolean) => {
    if (from === to) return;
    const t = tally();
    const counts = { ...t.counts, [from]: Math.max(0, t.counts[from] - 1), [to]: t.counts[to] + 1 };
    const criticalBy = (key: StatusKey) => (critical ? (to === key ? 1 : 0) - (from === key ? 1 : 0) : 0);
    setTally({ counts, criticalDown: Math.max(0, t.criticalDown + criticalBy('down')), criticalDegraded: Math.max(0, t.criticalDegraded + criticalBy('degraded')) });
  };

  // Status changes from just before the grid's data was read, then live: a service that changed
  // between the read and the subscription's start is not left showing its old status.
  let following = false;
  let replaying: { unsubscribe(): void } | undefined;
  let live: { unsubscribe(): void } | undefined;
  let disposed = false;
  let handover: ReturnType<typeof setTimeout> | undefined;
  type Change = { service: string; critical: boolean; previousStatus: GridService['status']; status: GridService['status']; at: string };
  const onChange = (result: { data?: { serviceStatusChanged: Change } }) => {
    const change = result.data?.serviceStatusChanged;
    if (!change) return;
    const card = cards.get(change.service);
    if (card) {
      const current = card[0]();
      // Replayed or late: the card already shows this transition or a later one.
      if (current.statusSince && current.statusSince >= change.at) return;
      batch(() => {
        recount(statusKey(current.status, current.paused), statusKey(change.status, current.paused), current.critical);
        card[1]({ ...current, status: change.status, statusSince: change.at });
      });
    } else if (change.at > countedAt && !counted.has(`${change.service}\u0000${change.at}`)) {
      // Not shown: counted from its previous status (a paused service has no transitions), once.
      if (counted.size >= MAX_COUNTED) counted.clear();
      counted.add(`${change.service}\u0000${change.at}`);
      recount(statusKey(change.previousStatus), statusKey(change.status), change.critical);
    }
    // Its place, whether it is shown now, and the counts as the server has them.
    refetchSoon();
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
    clearTimeout(textTimer);
    checks?.unsubscribe();
    replaying?.unsubscribe();
    live?.unsubscribe();
  });

  void refetch();
  onReconnected(() => void refetch());
  createEffect(() => {
    if (connectionStatus() !== 'reconnecting') return;
    const timer = setInterval(() => void refetch(), OFFLINE_REFETCH_MS);
    onCleanup(() => clearInterval(timer));
  });

  const service = (name: string) => cards.get(name)![0];
  const counts = () => tally().counts;
  return { state, names: listed, service, counts, tally, total, matching, tags, loadingMore, showMore, refetch };
}
