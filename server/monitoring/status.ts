/** The three statuses a service can be in, worst last, and how to compare them. */
export const STATUSES = ['healthy', 'degraded', 'down'] as const;
export type Status = (typeof STATUSES)[number];

const RANK: Record<Status, number> = { healthy: 0, degraded: 1, down: 2 };

/** The worse of two statuses. */
export function worst(a: Status, b: Status): Status {
  return RANK[a] >= RANK[b] ? a : b;
}

export function isWorse(next: Status, than: Status): boolean {
  return RANK[next] > RANK[than];
}

export function isStatus(value: string): value is Status {
  return (STATUSES as readonly string[]).includes(value);
}
