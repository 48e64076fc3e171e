/** An incident's severity and state as labelled badges (colour never alone). */
import { Badge } from '../Badge.tsx';
import { SEVERITY_LABELS, alertStateLabel, severityTone, type AlertRow } from '../../lib/alerts.ts';

export function SeverityBadge(props: { severity: string }) {
  return (
    <Badge tone={severityTone(props.severity)} testid="alert-severity">
      {SEVERITY_LABELS[props.severity] ?? props.severity}
    </Badge>
  );
}

export function AlertStateBadge(props: { alert: Pick<AlertRow, 'state' | 'acknowledged' | 'suppressedBy'> }) {
  const state = () => alertStateLabel(props.alert);
  return (
    <Badge tone={state().tone} testid="alert-state">
      {state().label}
    </Badge>
  );
}
