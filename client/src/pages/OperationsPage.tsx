/** Operations: the run ledger (placeholder until the operations capability). */
import { Placeholder } from '../components/Placeholder.tsx';

export function OperationsPage() {
  return (
    <Placeholder title="Operations" testid="operations-placeholder" summary="The ledger of operation runs that workers execute.">
      <p>The run ledger arrives with the operations capability. This page will list:</p>
      <ul>
        <li>runs by workspace, tenant, type and status, newest first;</li>
        <li>failed and stuck runs, with the reason each one is stuck;</li>
        <li>retry, cancel and mark-investigated actions for operators.</li>
      </ul>
    </Placeholder>
  );
}
