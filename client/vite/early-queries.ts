/**
 * Puts the first page's queries in the page itself: a small inline script at the top of <head>
 * sends them while the browser is still reading the page and fetching the dashboard's code, so the
 * answers travel during that time instead of after it (src/lib/early-answers.ts takes them).
 * Queries only, with the session's CSRF header read from its cookie, as every dashboard request.
 */
import type { Plugin } from 'vite';
import { CSRF_COOKIE, CSRF_HEADER } from '../../server/http/cookies.ts';
import { readDocument } from './graphql-documents.ts';

/** Export names in codegen's `graphql.ts`, for every page (`*`) or for one path. */
export type EarlyQueries = Record<string, string[]>;

export function earlyQueries(artifacts: string, queries: EarlyQueries): Plugin {
  return {
    name: 'lookout:early-queries',
    transformIndexHtml: {
      order: 'post',
      handler() {
        const early = (name: string) => {
          const { document, body } = readDocument(artifacts, name);
          return { operation: operationName(document), query: body };
        };
        const byPath = Object.fromEntries(Object.entries(queries).map(([where, names]) => [where, names.map(early)]));
        const script = `(function () {
  var byPath = ${JSON.stringify(byPath)};
  var csrf = new RegExp('(?:^|;\\\\s*)${CSRF_COOKIE}=([^;]*)').exec(document.cookie);
  var headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  try { if (csrf) headers['${CSRF_HEADER}'] = decodeURIComponent(csrf[1]); } catch (e) { /* a malformed cookie: the request goes without it */ }
  var asked = { at: Date.now(), answers: {} };
  (byPath['*'] || []).concat(byPath[location.pathname] || []).forEach(function (q) {
    asked.answers[q.operation] = fetch('/graphql', { method: 'POST', credentials: 'same-origin', headers: headers, body: JSON.stringify({ query: q.query }) })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (r) { performance.mark('lookout:early-' + q.operation); return r && r.data && !r.errors ? r.data : null; }, function () { return null; });
  });
  window.__lookoutEarly = asked;
})();`;
        return [{ tag: 'script', children: script, injectTo: 'head-prepend' as const }];
      },
    },
  };
}

function operationName(document: { definitions: readonly { kind: string; name?: { value: string } }[] }): string {
  const name = document.definitions.find((d) => d.kind === 'OperationDefinition')?.name?.value;
  if (!name) throw new Error('an early query must be a named operation');
  return name;
}
