/** System: host metrics and the start-up checklist (placeholder until the system capability). */
import { Placeholder } from '../components/Placeholder.tsx';

export function SystemPage() {
  return (
    <Placeholder title="System" testid="system-placeholder" summary="The host Lookout runs on, and its own start-up.">
      <p>The system capability arrives later. This page will show:</p>
      <ul>
        <li>host metrics: CPU, memory, disk and load;</li>
        <li>the start-up checklist that gates job submission, with the admin override;</li>
        <li>quick actions (restart, logs) and the update check.</li>
      </ul>
    </Placeholder>
  );
}
