/**
 * Uptime: every service's status timeline side by side over 24 h, 7 days or 30 days, from one
 * `uptimeTimeline` query, each row with the uptime the server computed for the range (degraded at
 * the configured weight, paused time left out) and a shared time axis. Pick a block to list the
 * checks recorded in it, below its row.
 */
import { For, Show, createResource, createSignal } from 'solid-js';
import { graphql } from '../graphql';
import type { UptimeTimelineQuery } from '../graphql/graphql.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { FormErrorMessage } from '../components/Forms.tsx';
import { StatusBadge } from '../components/monitoring/StatusBadge.tsx';
import { TimeAxis, TimelineBar } from '../components/monitoring/TimelineBar.tsx';
import { WindowChecks } from '../components/monitoring/WindowChecks.tsx';
import type { Window } from '../lib/uptime.ts';
import { timeZoneLabel } from '../lib/format.ts';
import { serviceHref } from '../components/monitoring/ServiceCard.tsx';
import { client } from '../lib/urql.ts';
import { onReconnected } from '../lib/connection.ts';
import { formError, type FormError } from '../lib/errors.ts';
import { formatUptime } from '../lib/status.ts';

const UptimeTimelineDoc = graphql(`
  query UptimeTimeline($from: DateTime!, $to: DateTime!, $first: Int!, $offset: Int!) {
    uptimeTimeline(from: $from, to: $to, first: $first, offset: $offset) {
      service {
        name
        displayName
        status
        paused
      }
      windows {
        status
        startedAt
        endedAt
      }
      uptime
    }
  }
`);

const RANGES = [
  { key: '24h', label: '24 hours', ms: 86400_000 },
  { key: '7d', label: '7 days', ms: 7 * 86400_000 },
  { key: '30d', label: '30 days', ms: 30 * 86400_000 },
] as const;
type RangeKey = (typeof RANGES)[number]['key'];

type Row = UptimeTimelineQuery['uptimeTimeline'][number];

/** Services a page: the server reads their windows in one query, within one request's budget. */
const PAGE = 200;

interface Timelines {
  range: RangeKey;
  from: number;
  to: number;
  rows: Row[] | null;
  error: FormError | null;
  /** Whether the last page was full (more services may follow). */
  more: boolean;
}

/** What the page shows: a range, and how many services of it (a page more at each "Show more"). */
interface View {
  range: RangeKey;
  count: number;
}

async function fetchPage(from: number, to: number, offset: number) {
  const result = await client.query(UptimeTimelineDoc, { from: new Date(from).toISOString(), to: new Date(to).toISOString(), first: PAGE, offset }).toPromise();
  const rows = result.data?.uptimeTimeline ?? null;
  return { rows, error: formError(result.error), more: rows?.length === PAGE };
}

/**
 * The first `view.count` services of the range, a page a request. "Show more" keeps the rows shown
 * (same range and time span) and asks only for the pages after them; a new range, or a refetch after
 * the connection came back, asks for every page shown again, so that neither loses the other: a
 * reconnect while more were loading fetches them too, and the pages shown stay shown.
 */
async function fetchTimelines(view: View, info: { value: Timelines | undefined; refetching: unknown }): Promise<Timelines> {
  const before = info.value;
  const keep = !info.refetching && before?.range === view.range && before.rows !== null && !before.error;
  const to = keep ? before.to : Date.now();
  const from = keep ? before.from : to - RANGES.find((r) => r.key === view.range)!.ms;
  const rows: Row[] = keep ? [...before.rows!] : [];
  let more = keep ? before.more : true;
  while (more && rows.length < view.count) {
    const page = await fetchPage(from, to, rows.length);
    if (!page.rows) return { range: view.range, from, to, rows: rows.length ? rows : null, error: page.error, more: rows.length > 0 };
    rows.push(...page.rows);
    more = page.more;
  }
  return { range: view.range, from, to, rows, error: null, more };
}

export function UptimePage() {
  const [view, setView] = createSignal<View>({ range: '24h', count: PAGE });
  const range = () => view().range;
  const setRange = (key: RangeKey) => setView({ range: key, count: PAGE });
  const [data, { refetch }] = createResource(view, fetchTimelines);
  onReconnected(() => void refetch(true));
  const latest = () => data.latest;
  // Loading pages after the rows shown, of the range shown (those rows stay as they are meanwhile).
  const loadingMore = () => data.loading && latest()?.range === range() && (latest()?.rows?.length ?? 0) < view().count;
  const showMore = () => {
    const shown = latest();
    if (!shown?.rows || loadingMore()) return;
    setView({ range: shown.range, count: shown.rows.length + PAGE });
  };

  return (
    <>
      <PageHeader
        title="Uptime"
        description={
          <>
            Every service's status over time, side by side. Uptime counts degraded time at the configured weight and leaves paused time out. Pick a
            block to see its checks. <span data-testid="time-zone">Times in {timeZoneLabel()}.</span>
          </>
        }
        actions={
          <div class="segmented" role="group" aria-label="Range">
            <For each={RANGES}>
              {(r) => (
                <button
                  type="button"
                  class="segmented__option"
                  classList={{ 'segmented__option--active': range() === r.key }}
                  aria-pressed={range() === r.key}
                  onClick={() => setRange(r.key)}
                  data-testid={`uptime-range-${r.key}`}
                >
                  {r.label}
                </button>
              )}
            </For>
          </div>
        }
      />
      <FormErrorMessage error={latest()?.error} />
      <section class="card card--flush uptime" classList={{ stale: data.loading && !loadingMore() }} data-testid="uptime-table" data-range={range()}>
        <Show when={latest()?.rows} fallback={<p class="table__empty">{data.loading ? 'Loading…' : 'No data.'}</p>}>
          {(rows) => <UptimeRows rows={rows()} from={latest()!.from} to={latest()!.to} />}
        </Show>
      </section>
      <Show when={latest()?.more}>
        <button type="button" class="button button--quiet" disabled={loadingMore()} onClick={showMore} data-testid="uptime-more">
          {loadingMore() ? 'Loading…' : `Show ${PAGE} more`}
        </button>
      </Show>
    </>
  );
}

function UptimeRows(props: { rows: Row[]; from: number; to: number }) {
  const [picked, setPicked] = createSignal<{ service: string; window: Window } | null>(null);
  const pickedIn = (service: string) => (picked()?.service === service ? picked()!.window : null);
  return (
    <>
      <div class="uptime__row uptime__row--head">
        <span>Service</span>
        <TimeAxis from={props.from} to={props.to} />
        <span class="uptime__ratio">Uptime</span>
      </div>
      <For each={props.rows} fallback={<p class="table__empty">No services yet.</p>}>
        {(row) => (
          <>
          <div class="uptime__row" data-testid="uptime-row" data-service={row.service.name}>
            <a class="uptime__name" href={serviceHref(row.service.name)} title={row.service.name}>
              <StatusBadge status={row.service.status} paused={row.service.paused} />
              <span>{row.service.displayName}</span>
            </a>
            <TimelineBar
              windows={row.windows}
              from={props.from}
              to={props.to}
              now={props.to}
              label={`Status of ${row.service.displayName}`}
              selected={pickedIn(row.service.name)}
              onSelect={(window) => setPicked({ service: row.service.name, window })}
            />
            <span class="uptime__ratio mono" data-testid="uptime-ratio">
              {formatUptime(row.uptime)}
            </span>
          </div>
          <Show when={pickedIn(row.service.name)} keyed>
            {(window) => (
              <div class="uptime__checks">
                <WindowChecks service={row.service.name} window={window} onClose={() => setPicked(null)} />
              </div>
            )}
          </Show>
          </>
        )}
      </For>
    </>
  );
}
