/**
 * Every page's own document title ("Service api · Lookout", "Failures · Operations · Lookout"), so
 * tabs, history and screen readers tell pages apart. The title comes from the path (the places and
 * tabs of navigation.ts); a page that knows better (a service, a run) names itself with usePageTitle.
 */
import { createEffect, createSignal, onCleanup } from 'solid-js';
import { ADMIN_TABS, ALERT_TABS, OPS_TABS, PLACES, SYSTEM_TABS } from '../navigation.ts';

const PRODUCT = 'Lookout';
const [pageTitle, setPageTitle] = createSignal<string | null>(null);

/** The title of a path without the page's help: its tab and place, or a fixed name. */
export function routeTitle(path: string): string {
  if (path === '/signin') return 'Sign in';
  if (path === '/setup') return 'Set up Lookout';
  const service = /^\/services\/([^/]+)/.exec(path);
  if (service) return `Service ${decodeURIComponent(service[1])}`;
  const run = /^\/system\/ops\/runs\/([^/]+)/.exec(path);
  if (run) return `Run ${decodeURIComponent(run[1]).slice(0, 8)} · Operations`;
  if (/^\/alerts\/(?!maintenance)[^/]+/.test(path)) return 'Incident · Alerts';
  const place = PLACES.find((p) => p.owns(path));
  const tab = [...OPS_TABS, ...ADMIN_TABS, ...SYSTEM_TABS, ...ALERT_TABS].find((t) => t.href === path);
  if (!place) return 'Page not found';
  return tab && tab.label !== place.label ? `${tab.label} · ${place.label}` : place.label;
}

/** "Service api · Lookout". */
export function documentTitle(page: string | null): string {
  return page ? `${page} · ${PRODUCT}` : PRODUCT;
}

/** Keeps `document.title` in step with the path (and the page's own name, when it gave one). Call once, in the router's root. */
export function trackDocumentTitle(path: () => string): void {
  createEffect(() => {
    document.title = documentTitle(pageTitle() ?? routeTitle(path()));
  });
}

/** A page names itself (while it is shown): "Service api", "Run 3f2a… · Operations". */
export function usePageTitle(title: () => string | null): void {
  createEffect(() => setPageTitle(title()));
  onCleanup(() => setPageTitle(null));
}
