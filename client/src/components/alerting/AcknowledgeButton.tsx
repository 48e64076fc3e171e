/**
 * Acknowledge an open incident: stops its escalation and reminders. Offered to operators only
 * (platform.operations.manage); the server refuses everyone else too.
 */
import { Show, createSignal } from 'solid-js';
import { Capability } from '../../../../server/auth/capabilities.ts';
import { AcknowledgeAlertDoc, type AlertRow } from '../../lib/alerts.ts';
import { client } from '../../lib/urql.ts';
import { can } from '../../lib/session.ts';
import { formError, type FormError } from '../../lib/errors.ts';
import { FormErrorMessage } from '../Forms.tsx';

export function AcknowledgeButton(props: { alert: Pick<AlertRow, 'id' | 'state' | 'acknowledged'>; onDone: (alert: AlertRow) => void }) {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<FormError | null>(null);
  const acknowledge = async () => {
    setBusy(true);
    const result = await client.mutation(AcknowledgeAlertDoc, { id: props.alert.id }).toPromise();
    setBusy(false);
    setError(formError(result.error));
    if (result.data) props.onDone(result.data.acknowledgeAlert);
  };
  return (
    <Show when={can(Capability.OperationsManage) && props.alert.state === 'OPEN' && !props.alert.acknowledged}>
      <span class="ack">
        <button type="button" class="button button--primary button--small" disabled={busy()} onClick={() => void acknowledge()} data-testid="alert-acknowledge">
          {busy() ? 'Acknowledging…' : 'Acknowledge'}
        </button>
        <FormErrorMessage error={error()} testid="alert-acknowledge-error" />
      </span>
    </Show>
  );
}
