/**
 * The Overview grid's order in an incident: worst first (down, degraded, pending, healthy, then
 * paused), critical before the rest within a status, then by the name the card shows (display name,
 * in the reader's collation, numbers in numeric order), so the service to look at first is the
 * first card, and the rest read like a list sorted by what is written on them.
 */
import { statusKey, type StatusKey } from './status.ts';

/** A status's place in the grid: lower comes first. */
export const STATUS_RANK: Record<StatusKey, number> = { down: 0, degraded: 1, pending: 2, healthy: 3, paused: 4 };

/** What the order reads of a service; a change of anything else never moves a card. */
export interface OrderedService {
  name: string;
  displayName: string;
  status: string | null | undefined;
  paused: boolean;
  critical: boolean;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Whether two versions of a service sort alike (the grid re-sorts only when one does not). */
export function sameOrderKey(a: OrderedService, b: OrderedService): boolean {
  return a.status === b.status && a.paused === b.paused && a.critical === b.critical && a.displayName === b.displayName;
}

/** Names sorted worst first, critical first, then by display name (the internal name breaks ties). */
export function orderServices(names: readonly string[], service: (name: string) => OrderedService): string[] {
  const keyed = names.map((name) => {
    const s = service(name);
    return { name, rank: STATUS_RANK[statusKey(s.status, s.paused)], critical: s.critical ? 0 : 1, label: s.displayName || name };
  });
  keyed.sort((a, b) => a.rank - b.rank || a.critical - b.critical || collator.compare(a.label, b.label) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return keyed.map((k) => k.name);
}
