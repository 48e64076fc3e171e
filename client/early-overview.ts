/**
 * A Vite plugin that puts a few lines in index.html to ask for the Overview's grid
 * (`healthOverview`) as soon as the page opens at `/`, while the dashboard's code is still
 * loading. The dashboard picks the answer up (client/src/lib/service-grid.ts) instead of asking
 * again, so on a big grid the query and the code download overlap. The query text is printed from
 * the same generated document the dashboard uses, so the two cannot drift apart.
 */
import { print } from 'graphql';
import type { Plugin } from 'vite';
import { HealthOverviewDocument } from './src/graphql/graphql.ts';
import { CSRF_COOKIE, CSRF_HEADER } from '../server/http/cookies.ts';

/** Where the early answer waits for the dashboard. */
export const EARLY_OVERVIEW_GLOBAL = '__lookoutEarlyOverview';

export function earlyOverview(): Plugin {
  const script = `(() => {
  if (location.pathname !== '/') return;
  const csrf = /(?:^|;\\s*)${CSRF_COOKIE}=([^;]*)/.exec(document.cookie);
  if (!csrf) return;
  window.${EARLY_OVERVIEW_GLOBAL} = { at: Date.now(), body: fetch('/graphql', {
    method: 'POST', credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', '${CSRF_HEADER}': decodeURIComponent(csrf[1]) },
    body: JSON.stringify({ query: ${JSON.stringify(print(HealthOverviewDocument))}, operationName: 'HealthOverview' }),
  }).then((r) => r.json(), () => null) };
})();`;
  return {
    name: 'lookout-early-overview',
    transformIndexHtml: () => [{ tag: 'script', children: script, injectTo: 'head' }],
  };
}
