/**
 * The signed-in frame: a skip link (the first Tab stop) to the page's content, header, navigation
 * and the page. Sends visitors who are not signed in to sign-in with the way back to where they
 * were going (or to setup when they hold a setup link).
 */
import { Match, Show, Switch, type JSX } from 'solid-js';
import { Navigate, useLocation } from '@solidjs/router';
import { Header } from './Header.tsx';
import { Nav } from './Nav.tsx';
import { ConnectionBanner } from './ConnectionStatus.tsx';
import { CriticalAlertsBanner } from './alerting/CriticalAlertsBanner.tsx';
import { RuntimeRestartBanner } from './system/RuntimeRestartBanner.tsx';
import { firstAnswerFailing, session, signInHref } from '../lib/session.ts';
import { databaseUnreachable } from '../lib/connection.ts';

/** Where a visitor who is not signed in belongs: setup with a setup link, else sign-in, then back to `path`. */
export function signedOutHome(path = '/'): string {
  const hash = window.location.hash;
  return /(^#|&)token=/.test(hash) ? `/setup${hash}` : signInHref(path);
}

/** Moves focus to the page's content (the skip link; the router would treat "#main" as a navigation). */
function skipToContent(event: MouseEvent): void {
  event.preventDefault();
  const main = document.getElementById('main');
  main?.focus();
  main?.scrollIntoView({ block: 'start' });
}

export function AppShell(props: { children?: JSX.Element }) {
  const location = useLocation();
  return (
    <Switch>
      <Match when={!session.loaded}>
        <ConnectionBanner />
        <Show
          when={firstAnswerFailing()}
          fallback={
            <div class="loading" data-testid="loading">
              Loading Lookout…
            </div>
          }
        >
          <div class="loading" data-testid="lookout-unreachable" data-cause={databaseUnreachable() ? 'database' : 'server'} role="alert">
            {databaseUnreachable() ? 'Lookout cannot reach its database — retrying…' : 'Lookout is not answering — retrying…'}
          </div>
        </Show>
      </Match>
      <Match when={!session.viewer}>
        <Navigate href={signedOutHome(`${location.pathname}${location.search}${location.hash}`)} />
      </Match>
      <Match when={session.viewer}>
        <div class="app">
          <a class="skip-link" href="#main" onClick={skipToContent} data-testid="skip-link">
            Skip to main content
          </a>
          <Header />
          <ConnectionBanner />
          <CriticalAlertsBanner />
          <RuntimeRestartBanner />
          <div class="app__body">
            <aside class="sidebar">
              <Nav />
            </aside>
            <main class="content" id="main" tabindex="-1" data-testid="content">
              {props.children}
            </main>
          </div>
        </div>
      </Match>
    </Switch>
  );
}
