/** A status window as the API returns it (service timelines, services around a failure). */

export interface Window {
  status: string;
  startedAt: string;
  endedAt?: string | null;
}
