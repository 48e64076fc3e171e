/** "Restart this runtime?" on the System page's matrix. */
import type { Runtime } from '../../lib/runtimes.ts';
import { ConfirmDialog } from '../ConfirmDialog.tsx';

export function RuntimeRestartDialog(props: { runtime: Runtime; onConfirm: () => void; onClose: () => void }) {
  return (
    <ConfirmDialog title={`Restart ${props.runtime.name}?`} confirmLabel={`Restart ${props.runtime.name}`} testid="runtime-restart" onConfirm={props.onConfirm} onClose={props.onClose}>
      <p>
        Its work is interrupted while it restarts ({props.runtime.kind} runtime
        {props.runtime.pid ? `, pid ${props.runtime.pid}` : ''}). Lookout and this dashboard stay up; the page shows it as restarting until it runs
        again or the restart fails.
      </p>
    </ConfirmDialog>
  );
}
