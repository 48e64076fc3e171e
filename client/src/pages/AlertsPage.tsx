/** Alerts (placeholder until the alerting capability). */
import { Placeholder } from '../components/Placeholder.tsx';

export function AlertsPage() {
  return (
    <Placeholder title="Alerts" testid="alerts-placeholder" summary="What changed, who was told, and who is on it.">
      <p>Alerting arrives with its own capability. This page will show:</p>
      <ul>
        <li>open alerts raised by status changes, with acknowledgement;</li>
        <li>deliveries to webhook, Slack and PagerDuty, and recovery notices;</li>
        <li>maintenance windows and suppressed alerts.</li>
      </ul>
    </Placeholder>
  );
}
