/** A service status as a coloured label with its word ("Down", "Pending", "Paused"). */
import { Badge } from '../Badge.tsx';
import { STATUS_LABELS, statusKey, statusTone } from '../../lib/status.ts';
import type { ServiceStatus } from '../../graphql/graphql.ts';

export function StatusBadge(props: { status: ServiceStatus | string | null | undefined; paused?: boolean; testid?: string }) {
  const key = () => statusKey(props.status, props.paused);
  return (
    <Badge tone={statusTone(key())} testid={props.testid}>
      {STATUS_LABELS[key()]}
    </Badge>
  );
}
