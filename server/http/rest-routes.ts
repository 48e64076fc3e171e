/**
 * The seeds' REST paths (PRD-080, ticket 005, feature 208) and the GraphQL root field each one is
 * generated from. A path is served once its field is in the schema: fields still being built are
 * skipped with a log line at start-up, so adding `systemHealth` to the schema serves
 * `GET /api/system/health` with no change here.
 */

export type RestMethod = 'GET' | 'POST' | 'PUT';

export interface RestRoute {
  method: RestMethod;
  /** fets/URLPattern syntax: `:name` is the root field's argument of that name. */
  path: string;
  /** `Query.<field>` or `Mutation.<field>`. */
  field: string;
  /** What the seed says the path is for (the OpenAPI summary). */
  summary: string;
  /** A null answer is a 404 naming this (`service(name)` returns null for an unknown service). */
  nullIsNotFound?: string;
  /**
   * Fields the seed names otherwise than the schema, added beside the GraphQL ones (the GraphQL
   * names stay: the body is still the query's data, with more).
   */
  seedFields?: (data: unknown) => unknown;
  /** The OpenAPI schema of what `seedFields` adds. */
  seedSchema?: Record<string, unknown>;
}

/** `GET /admin/health/startup-checklist`: PRD-080's StartupCheckResult names (all_passed; checks[].passed). */
function startupChecklistSeedFields(data: unknown): unknown {
  if (data === null || typeof data !== 'object') return data;
  const checklist = data as { ready?: boolean; checks?: { state?: string }[] };
  return {
    ...checklist,
    all_passed: checklist.ready,
    checks: checklist.checks?.map((check) => ({ ...check, passed: check.state === 'PASSED' })),
  };
}

const STARTUP_CHECKLIST_SEED_SCHEMA = {
  type: 'object',
  properties: {
    all_passed: { type: 'boolean', description: 'PRD-080’s name for ready.' },
    checks: { type: 'array', items: { type: 'object', properties: { passed: { type: 'boolean', description: 'PRD-080’s name for state PASSED.' } } } },
  },
};

/**
 * Static paths come before `/admin/health/:name` so that `uptime`, `startup-checklist` and `alerts`
 * are never read as a service's name (a service so named is reached through GraphQL).
 */
export const REST_ROUTES: readonly RestRoute[] = [
  { method: 'GET', path: '/admin/health', field: 'Query.healthOverview', summary: 'All service statuses.' },
  { method: 'GET', path: '/admin/health/uptime', field: 'Query.uptime', summary: 'Uptime percentages (24 h, 7 d, 30 d) of every service together, or of one (?service=).' },
  { method: 'GET', path: '/admin/health/startup-checklist', field: 'Query.startupChecklist', summary: 'Start-up check results.', seedFields: startupChecklistSeedFields, seedSchema: STARTUP_CHECKLIST_SEED_SCHEMA },
  { method: 'GET', path: '/admin/health/alerts', field: 'Query.alertConfigs', summary: 'Alert configurations: the default (service null) and each service’s.' },
  { method: 'PUT', path: '/admin/health/alerts/:service', field: 'Mutation.updateAlertConfig', summary: 'Update a service’s alert configuration (body: {"input": {...}}).' },
  { method: 'GET', path: '/admin/health/:name', field: 'Query.service', summary: 'One service: status, latency, last check and its details.', nullIsNotFound: 'service' },
  { method: 'POST', path: '/admin/health/:name/restart', field: 'Mutation.restartService', summary: 'Restart a service with its configured action (body: {"confirm": true}).' },
  { method: 'POST', path: '/admin/health/:name/diagnose', field: 'Mutation.diagnoseService', summary: 'Extended check with step-by-step details.' },
  { method: 'POST', path: '/admin/health/:name/recheck', field: 'Mutation.recheckService', summary: 'Check the service now and record the result.' },
  { method: 'GET', path: '/admin/health/:name/logs', field: 'Query.serviceLogs', summary: 'The last lines of the service’s log.' },
  { method: 'GET', path: '/api/system/status', field: 'Query.systemStatus', summary: 'Runtime status matrix, services and Lookout’s metadata (ticket 005).' },
  { method: 'POST', path: '/api/system/restart', field: 'Mutation.restartRuntime', summary: 'Restart a runtime (body: {"name": "...", "confirm": true}; ticket 005).' },
  { method: 'GET', path: '/api/system/health', field: 'Query.systemHealth', summary: 'Host metrics: CPU, memory, disk, queue, uptime (feature 208).' },
  { method: 'GET', path: '/api/system/update/check', field: 'Query.updateCheck', summary: 'Current and latest version, updateAvailable and the changelog (feature 208).' },
  { method: 'POST', path: '/api/system/update/execute', field: 'Mutation.executeUpdate', summary: 'Start updating to the latest version (body: {"confirm": true, "drain": false}; feature 208). Follow it with updateProgress or GET the run through GraphQL.' },
];

/** The path's parameters, in order (`/admin/health/:name/logs` → ['name']). */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/:(\w+)/g)].map((m) => m[1]);
}

/** The path in OpenAPI's syntax (`{name}`). */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}
