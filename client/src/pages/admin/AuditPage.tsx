/** Admin → Audit log: every state-changing call, newest first, filtered (by action, actor and its kind, outcome and time), paged with "Load more". */
import { For, Show, createSignal } from 'solid-js';
import { useClient } from '@urql/solid';
import { graphql } from '../../graphql';
import type { AuditLogFilter, AuditLogQuery } from '../../graphql/graphql.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { AdminTabs } from '../../components/admin/AdminTabs.tsx';
import { AuditFilters } from '../../components/admin/AuditFilters.tsx';
import { Badge } from '../../components/Badge.tsx';
import { FormErrorMessage } from '../../components/Forms.tsx';
import { onReconnected } from '../../lib/connection.ts';
import { formError, type FormError } from '../../lib/errors.ts';
import { formatDateTime, shortId } from '../../lib/format.ts';

const AuditLogQueryDoc = graphql(`
  query AuditLog($filter: AuditLogFilter, $first: Int, $after: String) {
    auditLog(filter: $filter, first: $first, after: $after) {
      entries {
        id
        at
        actorType
        actorId
        actorLabel
        action
        targetType
        targetId
        input
        outcome
        errorCode
        errorMessage
        clientAddress
      }
      endCursor
      hasNextPage
    }
  }
`);

type Entry = AuditLogQuery['auditLog']['entries'][number];

const PAGE_SIZE = 50;
/** The most entries one `auditLog` request lists (the server's bound). */
const MAX_PAGE_SIZE = 500;

export function AuditPage() {
  const client = useClient();
  const [entries, setEntries] = createSignal<Entry[]>([]);
  const [cursor, setCursor] = createSignal<string | null>(null);
  const [hasMore, setHasMore] = createSignal(false);
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<FormError | null>(null);
  let filter: AuditLogFilter = {};
  /** Only the latest request may write: a slow answer for an old filter is dropped. */
  let latest = 0;

  /** How far the log is paged: a page more at each "Load more", one page with another filter. */
  let wanted = PAGE_SIZE;

  /**
   * The log as far as it is paged (`wanted`), from the newest, 500 a request at most; "Load more"
   * asks only for the page after the entries shown. The latest load wins whole, so a reconnect while
   * more were loading fetches them too, and a reconnect keeps the entries shown.
   */
  const load = async (how: 'filter' | 'more' | 'refresh') => {
    const request = ++latest;
    const shown = entries();
    const more = how === 'more' && shown.length > 0;
    if (how === 'filter') wanted = PAGE_SIZE;
    if (how === 'more') wanted = shown.length + PAGE_SIZE;
    const count = wanted;
    setLoading(true);
    const fetched: Entry[] = more ? [...shown] : [];
    let after = more ? cursor() : null;
    let hasNext = true;
    while (hasNext && fetched.length < count) {
      const result = await client.query(AuditLogQueryDoc, { filter, first: Math.min(MAX_PAGE_SIZE, count - fetched.length), after }).toPromise();
      if (request !== latest) return;
      if (!result.data) {
        setLoading(false);
        setError(formError(result.error));
        return;
      }
      const page = result.data.auditLog;
      fetched.push(...page.entries);
      after = page.endCursor ?? null;
      hasNext = page.hasNextPage && after !== null;
    }
    setLoading(false);
    setError(null);
    setEntries(fetched);
    setCursor(after);
    setHasMore(hasNext);
  };

  void load('filter');
  onReconnected(() => void load('refresh'));

  return (
    <>
      <PageHeader title="Admin" description="API tokens, users, services and the audit trail of every change." />
      <AdminTabs />
      <section class="card">
        <AuditFilters
          onApply={(next) => {
            filter = next;
            void load('filter');
          }}
        />
        <FormErrorMessage error={error()} testid="audit-error" />
      </section>
      <section class="card card--flush">
        <table class="table" data-testid="audit-table">
          <thead>
            <tr>
              <th>Time</th>
              <th>Actor</th>
              <th>Action</th>
              <th>Target</th>
              <th>Outcome</th>
              <th>Client address</th>
              <th>Input</th>
            </tr>
          </thead>
          <tbody>
            <For each={entries()} fallback={<tr><td colSpan={7} class="table__empty">{loading() ? 'Loading…' : 'No audit entries match.'}</td></tr>}>
              {(entry) => <AuditRow entry={entry} />}
            </For>
          </tbody>
        </table>
        <div class="card__foot">
          <span class="muted">{entries().length} shown</span>
          <Show when={hasMore()}>
            <button type="button" class="button button--quiet" disabled={loading()} onClick={() => void load('more')} data-testid="audit-load-more">
              {loading() ? 'Loading…' : 'Load more'}
            </button>
          </Show>
        </div>
      </section>
    </>
  );
}

function AuditRow(props: { entry: Entry }) {
  const [open, setOpen] = createSignal(false);
  const e = props.entry;
  const hasInput = e.input !== null && e.input !== undefined;
  return (
    <>
      <tr data-testid="audit-row" data-action={e.action} data-outcome={e.outcome} data-actor-type={e.actorType}>
        <td class="nowrap" title={e.at}>
          {formatDateTime(e.at)}
        </td>
        <td>
          {e.actorLabel ?? <span class="muted">—</span>}
          <div class="caps">{e.actorType}</div>
        </td>
        <td class="mono nowrap">{e.action}</td>
        <td>
          <Show when={e.targetType} fallback={<span class="muted">—</span>}>
            {e.targetType}
            <div class="caps mono" title={e.targetId ?? undefined}>
              {e.targetId ? shortId(e.targetId) : ''}
            </div>
          </Show>
        </td>
        <td>
          <Badge tone={e.outcome === 'success' ? 'ok' : 'bad'}>{e.outcome}</Badge>
          <Show when={e.errorCode}>
            <div class="caps" title={e.errorMessage ?? undefined}>
              {e.errorCode}
            </div>
          </Show>
        </td>
        <td class="mono">{e.clientAddress ?? '—'}</td>
        <td>
          <Show when={hasInput} fallback={<span class="muted">—</span>}>
            <button type="button" class="button button--small button--quiet" aria-expanded={open()} onClick={() => setOpen(!open())} data-testid="audit-toggle-input">
              {open() ? 'Hide' : 'Show'}
            </button>
          </Show>
        </td>
      </tr>
      <Show when={open()}>
        <tr class="table__detail">
          <td colSpan={7}>
            <Show when={e.errorMessage}>
              <p class="field__error">{e.errorMessage}</p>
            </Show>
            <pre class="json" data-testid="audit-input">{JSON.stringify(e.input, null, 2)}</pre>
          </td>
        </tr>
      </Show>
    </>
  );
}
