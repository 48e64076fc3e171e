/**
 * One operation: status, outcome and why it is stuck, every recorded field, input / result /
 * context, the retry lineage, the services around its failure and its audit trail, live. The
 * header holds the only triage actions (operators) and the ways out: all operations, runbooks.
 */
import { Match, Show, Switch } from 'solid-js';
import { A, useParams } from '@solidjs/router';
import { Capability } from '../../../../server/auth/capabilities.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { FormErrorMessage } from '../../components/Forms.tsx';
import { AllOperationsLink, RunbooksLink } from '../../components/operations/OpsCallToAction.tsx';
import { RunActions } from '../../components/operations/RunActions.tsx';
import { RunOutcomeBadge, RunStatusBadge, StuckClassLabel } from '../../components/operations/RunBadges.tsx';
import { RunFacts } from '../../components/operations/RunFacts.tsx';
import { JsonBlock } from '../../components/operations/JsonBlock.tsx';
import { RunLineage } from '../../components/operations/RunLineage.tsx';
import { ServicesAroundFailure } from '../../components/operations/ServicesAroundFailure.tsx';
import { RunAuditTrail } from '../../components/operations/RunAuditTrail.tsx';
import { createRunDetail, type RunDetail } from '../../lib/run-detail.ts';
import { ALL_OPERATIONS_HREF, triageOf } from '../../lib/operations.ts';
import { formatDateTime } from '../../lib/format.ts';
import { can } from '../../lib/session.ts';

export function OperationDetailPage() {
  const params = useParams<{ id: string }>();
  // A new id (a retry, a lineage link) is a new page: keyed, so its state and subscription start afresh.
  return (
    <Show when={params.id} keyed>
      {(id) => <OperationDetailView id={id} />}
    </Show>
  );
}

/** The ways out, beside the triage buttons: back to the list, and the runbooks. */
const ways = () => (
  <>
    <AllOperationsLink variant="quiet" />
    <RunbooksLink variant="quiet" />
  </>
);

function OperationDetailView(props: { id: string }) {
  const detail = createRunDetail(props.id);
  return (
    <Switch>
      <Match when={!detail.state.loaded}>
        <p class="muted">Loading Operation #{props.id}…</p>
      </Match>
      <Match when={detail.state.error}>
        <FormErrorMessage error={detail.state.error} testid="run-error-load" />
      </Match>
      <Match when={!detail.state.run}>
        <section class="card no-access" data-testid="run-not-found">
          <h1>No Operation #{props.id}</h1>
          <p>It does not exist, or it belongs to a workspace you may not see.</p>
          <p>
            <AllOperationsLink />
          </p>
        </section>
      </Match>
      <Match when={detail.state.run}>
        {(run) => (
          <div class="run-detail" data-testid="run-detail" data-run-id={run().id} data-status={run().status} data-outcome={run().outcome}>
            <PageHeader
              title={run().title}
              description={
                <>
                  <A href={ALL_OPERATIONS_HREF}>Operations</A> / {run().typeLabel} in {run().workspace.name}
                </>
              }
              actions={
                <Show when={can(Capability.OperationsManage)} fallback={<div class="run-actions__buttons">{ways()}</div>}>
                  <RunActions run={run()} onChanged={detail.show} leading={ways()} />
                </Show>
              }
            />
            <RunState run={run()} />
            <RunFacts run={run()} />
            <div class="grid grid--3">
              <section class="card">
                <h2>Input</h2>
                <JsonBlock value={run().input} testid="run-input" />
              </section>
              <section class="card">
                <h2>Result</h2>
                <JsonBlock value={run().result} testid="run-result" empty={run().status === 'COMPLETED' ? 'No result recorded.' : 'Not finished yet.'} />
              </section>
              <section class="card">
                <h2>Context</h2>
                <JsonBlock value={run().context} testid="run-context" />
              </section>
            </div>
            <RunLineage run={run()} />
            <ServicesAroundFailure run={run()} />
            <RunAuditTrail entries={run().auditTrail} />
          </div>
        )}
      </Match>
    </Switch>
  );
}

/** Where the operation stands: status, outcome, why it is stuck, its error, and what triage recorded. */
function RunState(props: { run: RunDetail }) {
  const triage = () => triageOf(props.run.context);
  return (
    <section class="card run-state" classList={{ 'run-state--failed': props.run.outcome === 'FAILED' }} data-testid="run-state">
      <div class="run-state__badges">
        <RunStatusBadge status={props.run.status} testid="detail-run-status" />
        <RunOutcomeBadge outcome={props.run.outcome} testid="detail-run-outcome" />
        <Show when={props.run.stuck}>{(stuck) => <StuckClassLabel stuckClass={stuck().stuckClass} reason={stuck().reason} />}</Show>
      </div>
      <Show when={props.run.error}>
        <p class="run-state__error" data-testid="run-error">
          {props.run.error}
        </p>
      </Show>
      <Show when={triage().investigated}>
        {(inv) => (
          <p class="notice notice--info" data-testid="run-investigated">
            <strong>Investigated</strong> by {inv().by ?? 'someone'} at {formatDateTime(inv().at)}: {inv().reason}
          </p>
        )}
      </Show>
      <Show when={triage().cancelled}>
        {(c) => (
          <p class="notice notice--warn" data-testid="run-cancelled">
            <strong>Cancelled</strong> by {c().by ?? 'someone'} at {formatDateTime(c().at)}.
          </p>
        )}
      </Show>
    </section>
  );
}
