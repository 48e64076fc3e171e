/**
 * The red strip on every page while a critical incident is open: counted by the server
 * (`openCriticalAlerts`: suppressed ones page nobody), kept live by `alertChanged`. It says someone
 * is being paged only while one of them is unacknowledged (acknowledging stops the paging).
 */
import { Show, createSignal } from 'solid-js';
import { A } from '@solidjs/router';
import { graphql } from '../../graphql';
import { client } from '../../lib/urql.ts';
import { AlertsDoc, onAlertChanged } from '../../lib/alerts.ts';

const OpenCriticalAlertsDoc = graphql(`
  query OpenCriticalAlerts {
    openCriticalAlerts
  }
`);

/** The open critical incidents nobody acknowledged yet (the server's page bound: more than enough to tell "any"). */
const PAGING_FILTER = { state: 'UNACKNOWLEDGED', severity: 'CRITICAL', limit: 500 } as const;

export function CriticalAlertsBanner() {
  const [count, setCount] = createSignal(0);
  /** Of those, how many page someone: not acknowledged, not suppressed (null: not known yet, read as some). */
  const [paging, setPaging] = createSignal<number | null>(null);
  const refresh = async () => {
    const [open, unacknowledged] = await Promise.all([
      client.query(OpenCriticalAlertsDoc, {}).toPromise(),
      client.query(AlertsDoc, { filter: PAGING_FILTER }).toPromise(),
    ]);
    // An error keeps the last count: a strip that blinks out during an outage would mislead.
    if (open.data) setCount(open.data.openCriticalAlerts);
    if (unacknowledged.data) setPaging(unacknowledged.data.alerts.filter((a) => !a.suppressedBy).length);
  };
  void refresh();
  onAlertChanged(refresh);

  return (
    <Show when={count() > 0}>
      <div class="banner banner--danger critical-banner" role="alert" data-testid="critical-alerts-banner" data-count={count()} data-paging={paging() ?? undefined}>
        <A href="/alerts" class="critical-banner__link">
          {count() === 1 ? '1 critical alert open' : `${count()} critical alerts open`}
        </A>
        <span class="critical-banner__hint" data-testid="critical-alerts-banner-hint">
          {paging() !== 0 ? '— someone is being paged. See Alerts.' : `— ${count() === 1 ? 'acknowledged' : 'all acknowledged'}: nobody is being paged. See Alerts.`}
        </span>
      </div>
    </Show>
  );
}
