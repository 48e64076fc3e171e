/**
 * The red strip on every page while an open critical incident pages someone: counted by the
 * server (`openCriticalAlerts`: suppressed ones page nobody), kept live by `alertChanged`.
 */
import { Show, createSignal } from 'solid-js';
import { A } from '@solidjs/router';
import { graphql } from '../../graphql';
import { client } from '../../lib/urql.ts';
import { onAlertChanged } from '../../lib/alerts.ts';

const OpenCriticalAlertsDoc = graphql(`
  query OpenCriticalAlerts {
    openCriticalAlerts
  }
`);

export function CriticalAlertsBanner() {
  const [count, setCount] = createSignal(0);
  const refresh = async () => {
    const result = await client.query(OpenCriticalAlertsDoc, {}).toPromise();
    // An error keeps the last count: a strip that blinks out during an outage would mislead.
    if (result.data) setCount(result.data.openCriticalAlerts);
  };
  void refresh();
  onAlertChanged(refresh);

  return (
    <Show when={count() > 0}>
      <div class="banner banner--danger critical-banner" role="alert" data-testid="critical-alerts-banner" data-count={count()}>
        <A href="/alerts" class="critical-banner__link">
          {count() === 1 ? '1 critical alert open' : `${count()} critical alerts open`}
        </A>
        <span class="critical-banner__hint">— someone is being paged. See Alerts.</span>
      </div>
    </Show>
  );
}
