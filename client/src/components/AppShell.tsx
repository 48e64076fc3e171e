/**
 * The signed-in frame: header, navigation and the page. Sends visitors who are not signed in to
 * sign-in (or to setup when they hold a setup link).
 */
import { Match, Show, Switch, type JSX } from 'solid-js';
import { Navigate } from '@solidjs/router';
import { Header } from './Header.tsx';
import { Nav } from './Nav.tsx';
import { ConnectionBanner } from './ConnectionStatus.tsx';
import { CriticalAlertsBanner } from './alerting/CriticalAlertsBanner.tsx';
import { RuntimeRestartBanner } from './system/RuntimeRestartBanner.tsx';
import { firstAnswerFailing, session } from '../lib/session.ts';

/** Where a visitor who is not signed in belongs. */
export function signedOutHome(): string {
  const hash = window.location.hash;
  return /(^#|&)token=/.test(hash) ? `/setup${hash}` : '/signin';
}

export function AppShell(props: { children?: JSX.Element }) {
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
          <div class="loading" data-testid="lookout-unreachable" role="alert">
            Lookout is not answering — retrying…
          </div>
        </Show>
      </Match>
      <Match when={!session.viewer}>
        <Navigate href={signedOutHome()} />
      </Match>
      <Match when={session.viewer}>
        <div class="app">
          <Header />
          <ConnectionBanner />
          <CriticalAlertsBanner />
          <RuntimeRestartBanner />
          <div class="app__body">
            <aside class="sidebar">
              <Nav />
            </aside>
            <main class="content" data-testid="content">
              {props.children}
            </main>
          </div>
        </div>
      </Match>
    </Switch>
  );
}
