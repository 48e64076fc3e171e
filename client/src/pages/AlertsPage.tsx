/**
 * Alerts: open incidents first (acknowledge them here), then the history, filtered by service,
 * severity and state. Live: every incident that opens, changes or resolves refreshes both lists.
 * The service filter is typed, with suggestions asked of the server as the operator types (part of
 * a name, display name or target): any service of any number can be picked, not the first 1,000.
 */
import { For, Show, createSignal } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { graphql } from '../graphql';
import type { AlertFilter, AlertSeverity, AlertStateFilter } from '../graphql/graphql.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { Tabs } from '../components/Tabs.tsx';
import { Field, FormErrorMessage } from '../components/Forms.tsx';
import { AlertList } from '../components/alerting/AlertList.tsx';
import { ALERT_TABS } from '../navigation.ts';
import { AlertsDoc, onAlertChanged, type AlertRow } from '../lib/alerts.ts';
import { client } from '../lib/urql.ts';
import { formError, type FormError } from '../lib/errors.ts';
import { createServiceSearch } from '../lib/service-search.ts';

/** The service a typed filter means: that name exactly, else the suggestions to look for a display name. */
const AlertServiceLookupDoc = graphql(`
  query AlertServiceLookup($name: String!) {
    service(name: $name) {
      name
    }
    services(filter: { text: $name }, first: 50) {
      name
      displayName
    }
  }
`);


const HISTORY_PAGE = 50;
/** The most alerts one `alerts` request lists (the server's bound). */
const MAX_ALERTS_PER_REQUEST = 500;

interface HistoryFilter {
  service: string;
  severity: '' | AlertSeverity;
  state: '' | AlertStateFilter;
}

export function AlertsPage() {
  const [open, setOpen] = createStore<{ list: AlertRow[]; loaded: boolean }>({ list: [], loaded: false });
  const [history, setHistory] = createStore<{ list: AlertRow[]; loaded: boolean; more: boolean }>({ list: [], loaded: false, more: false });
  const [filter, setFilter] = createStore<HistoryFilter>({ service: '', severity: '', state: 'RESOLVED' });
  const [error, setError] = createSignal<FormError | null>(null);
  const [loadingMore, setLoadingMore] = createSignal(false);

  const historyFilter = (limit: number, offset = 0): AlertFilter => ({
    service: filter.service || null,
    severity: filter.severity || null,
    state: filter.state || null,
    limit,
    offset,
  });

  const loadOpen = async () => {
    const result = await client.query(AlertsDoc, { filter: { state: 'OPEN', limit: 500 } }).toPromise();
    setError(formError(result.error));
    if (result.data) {
      setOpen('list', reconcile(result.data.alerts, { key: 'id' }));
      setOpen('loaded', true);
    }
  };
  /** Each load of the history, numbered: an answer to an older one (another filter) is dropped. */
  let historyLoad = 0;
  /** How far the history is paged: a page more at each "Load more", back to one page with another filter. */
  let wanted = HISTORY_PAGE;
  /**
   * The history as far as it is paged, fetched again (at most 500 a request, the server's bound):
   * every load, a refresh or "Load more", asks for all of it, so that the newest load wins whole and
   * neither loses the other (a refresh while more were loading fetches them too).
   */
  const loadHistory = async () => {
    const load = ++historyLoad;
    const shown = wanted;
    const rows: AlertRow[] = [];
    for (;;) {
      const limit = Math.min(MAX_ALERTS_PER_REQUEST, shown + 1 - rows.length);
      const result = await client.query(AlertsDoc, { filter: historyFilter(limit, rows.length) }).toPromise();
      if (load !== historyLoad) return;
      setError(formError(result.error));
      if (!result.data) return;
      rows.push(...result.data.alerts);
      if (result.data.alerts.length < limit || rows.length > shown) break;
    }
    setHistory('list', reconcile(rows.slice(0, shown), { key: 'id' }));
    setHistory({ loaded: true, more: rows.length > shown });
  };
  const loadMore = async () => {
    wanted = history.list.length + HISTORY_PAGE;
    setLoadingMore(true);
    try {
      await loadHistory();
    } finally {
      setLoadingMore(false);
    }
  };
  const refresh = () => Promise.all([loadOpen(), loadHistory()]).then(() => undefined);

  void refresh();
  onAlertChanged(refresh);

  // The service filter: suggestions for what is typed (the first 50 matches), and the filter applied
  // when the text is committed (Enter, a suggestion picked, or leaving the field) or cleared. The
  // text committed is asked of the server: a service of that name, else one whose display name it is
  // (ignoring case), else it is taken as a name (and the history shows none).
  const finder = createServiceSearch();
  const serviceText = finder.text;
  const services = () => finder.found() ?? [];
  const onServiceInput = (text: string) => {
    finder.search(text);
    if (!text.trim() && filter.service) applyFilter({ service: '' }); // cleared (the search field's ×)
  };
  const onServiceChange = async (text: string) => {
    const typed = text.trim();
    if (!typed) return filter.service && applyFilter({ service: '' });
    const result = await client.query(AlertServiceLookupDoc, { name: typed }).toPromise();
    if (serviceText() !== text) return; // typed on meanwhile: the next commit decides
    const lower = typed.toLowerCase();
    const service = result.data?.service?.name ?? result.data?.services.find((s) => s.displayName.toLowerCase() === lower)?.name ?? typed;
    if (service !== filter.service) applyFilter({ service });
  };
  finder.search('', true);

  const applyFilter = (next: Partial<HistoryFilter>) => {
    setFilter(next);
    wanted = HISTORY_PAGE;
    setHistory({ list: [], loaded: false, more: false });
    void loadHistory();
  };

  return (
    <>
      <PageHeader title="Alerts" description="What went wrong, who was told, and who is on it. Live." />
      <Tabs label="Alerts" tabs={ALERT_TABS} />
      <FormErrorMessage error={error()} testid="alerts-error" />
      <section class="card card--flush" data-testid="open-alerts-card">
        <div class="card__head">
          <h2>Open incidents</h2>
          <span class="muted" data-testid="open-alerts-count">
            {open.loaded ? `${open.list.length} open` : ''}
          </span>
        </div>
        <Show when={open.loaded} fallback={<p class="table__empty">Loading incidents…</p>}>
          <AlertList
            alerts={open.list}
            testid="open-alerts"
            onChanged={() => void refresh()}
            empty={
              <div class="empty-state" data-testid="open-alerts-empty">
                <h3>Nothing is open</h3>
                <p class="muted">Every service is healthy, or its trouble has been resolved.</p>
              </div>
            }
          />
        </Show>
      </section>
      <section class="card card--flush" data-testid="alert-history-card">
        <div class="card__head">
          <h2>History</h2>
          <span class="muted">newest first</span>
        </div>
        <div class="alert-filters" role="group" aria-label="Filter the history">
          <Field label="Service">
            <input
              type="search"
              list="alert-filter-service-options"
              placeholder="All services"
              autocomplete="off"
              value={serviceText()}
              onInput={(e) => onServiceInput(e.currentTarget.value)}
              onChange={(e) => void onServiceChange(e.currentTarget.value)}
              data-testid="alert-filter-service"
            />
            <datalist id="alert-filter-service-options" data-testid="alert-filter-service-options">
              <For each={services()}>{(s) => <option value={s.name}>{s.displayName}</option>}</For>
            </datalist>
          </Field>
          <Field label="Severity">
            <select value={filter.severity} onChange={(e) => applyFilter({ severity: e.currentTarget.value as HistoryFilter['severity'] })} data-testid="alert-filter-severity">
              <option value="">Any severity</option>
              <option value="CRITICAL">Critical</option>
              <option value="WARNING">Warning</option>
            </select>
          </Field>
          <Field label="State">
            <select value={filter.state} onChange={(e) => applyFilter({ state: e.currentTarget.value as HistoryFilter['state'] })} data-testid="alert-filter-state">
              <option value="RESOLVED">Resolved</option>
              <option value="">Any state</option>
              <option value="OPEN">Open</option>
              <option value="ACKNOWLEDGED">Acknowledged</option>
              <option value="UNACKNOWLEDGED">Not acknowledged</option>
            </select>
          </Field>
        </div>
        <Show when={history.loaded} fallback={<p class="table__empty">Loading history…</p>}>
          <AlertList
            alerts={history.list}
            testid="alert-history"
            onChanged={() => void refresh()}
            empty={<p class="muted" data-testid="alert-history-empty">No incidents match these filters.</p>}
          />
        </Show>
        <Show when={history.more}>
          <div class="card__foot">
            <span class="muted">{history.list.length} shown</span>
            <button type="button" class="button button--quiet" disabled={loadingMore()} onClick={() => void loadMore()} data-testid="alert-history-more">
              {loadingMore() ? 'Loading…' : 'Load more'}
            </button>
          </div>
        </Show>
      </section>
    </>
  );
}
