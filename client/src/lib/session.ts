/**
 * Who is using the dashboard: `me` and `setupStatus`, loaded at start and after every reconnect,
 * and the sign-in, first-admin setup and sign-out actions that change it.
 */
import { createSignal } from 'solid-js';
import { createStore } from 'solid-js/store';
import { graphql } from '../graphql';
import type { ViewerFieldsFragment } from '../graphql/graphql.ts';
import type { Capability } from '../../../server/auth/capabilities.ts';
import { client, whenUnauthenticated } from './urql.ts';
import { SessionQuery } from './session-query.ts';
import { takeEarlyAnswer } from './early-answers.ts';
import { restartSocket } from './socket.ts';
import { formError, type FormError } from './errors.ts';

const SignInMutation = graphql(`
  mutation SignIn($email: String!, $password: String!) {
    signIn(email: $email, password: $password) {
      viewer {
        ...ViewerFields
      }
    }
  }
`);

const CompleteSetupMutation = graphql(`
  mutation CompleteSetup($token: String!, $email: String!, $password: String!) {
    completeSetup(token: $token, email: $email, password: $password) {
      viewer {
        ...ViewerFields
      }
    }
  }
`);

const SignOutMutation = graphql(`
  mutation SignOut {
    signOut
  }
`);

export type Viewer = ViewerFieldsFragment;

interface SessionState {
  /** False until `me` has been answered once. */
  loaded: boolean;
  viewer: Viewer | null;
  setupRequired: boolean;
}

const [session, setSession] = createStore<SessionState>({ loaded: false, viewer: null, setupRequired: false });
export { session };

/** Set while the first `me` went unanswered (unreachable, or an error such as a database not up yet) and a retry is due. */
const [firstAnswerFailing, setFirstAnswerFailing] = createSignal(false);
export { firstAnswerFailing };

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5000;
let retryWait = FIRST_RETRY_MS;
let retry: ReturnType<typeof setTimeout> | undefined;

/**
 * Until `me` has been answered once the shell has nothing to show, and a failed answer that is
 * not a lost connection (a 500 from a Lookout still starting) brings no reconnect to retry on:
 * ask again with a backoff, 0.5 s doubling up to 5 s, until it is answered.
 */
function retryFirstAnswer(): void {
  setFirstAnswerFailing(true);
  if (retry) return;
  retry = setTimeout(() => {
    retry = undefined;
    void refreshSession();
  }, retryWait);
  retryWait = Math.min(MAX_RETRY_MS, retryWait * 2);
}

/**
 * Reloads `me` and `setupStatus` (the first time from the entry script's early answer, when it
 * has one); keeps what we knew when the server cannot be reached.
 */
export async function refreshSession(): Promise<void> {
  const data = (await takeEarlyAnswer(SessionQuery)) ?? (await client.query(SessionQuery, {}).toPromise()).data;
  if (!data) {
    if (!session.loaded) retryFirstAnswer();
    return;
  }
  clearTimeout(retry);
  retry = undefined;
  retryWait = FIRST_RETRY_MS;
  setFirstAnswerFailing(false);
  const before = session.viewer?.id ?? null;
  setSession({ loaded: true, viewer: data.me ?? null, setupRequired: data.setupStatus.required });
  // Signed out elsewhere (or the session expired): the socket still carries the old identity.
  if (before && !data.me) restartSocket();
}

whenUnauthenticated(() => void refreshSession());

/** True when the signed-in caller holds the capability. */
export function can(capability: Capability): boolean {
  return session.viewer?.capabilities.includes(capability) ?? false;
}

function signedIn(viewer: Viewer): void {
  setSession({ loaded: true, viewer, setupRequired: false });
  restartSocket();
}

export async function signIn(email: string, password: string): Promise<FormError | null> {
  const result = await client.mutation(SignInMutation, { email, password }).toPromise();
  if (result.data) signedIn(result.data.signIn.viewer);
  return formError(result.error);
}

export async function completeSetup(token: string, email: string, password: string): Promise<FormError | null> {
  const result = await client.mutation(CompleteSetupMutation, { token, email, password }).toPromise();
  if (result.data) signedIn(result.data.completeSetup.viewer);
  return formError(result.error);
}

export async function signOut(): Promise<FormError | null> {
  const result = await client.mutation(SignOutMutation, {}).toPromise();
  if (result.error?.networkError) return formError(result.error);
  setSession({ viewer: null });
  restartSocket();
  return null;
}

/**
 * Where sign-in leads back to: `next` when it is a path on this site ("/system/ops/runs/42?x#y"),
 * otherwise the Overview. Anything that could leave the site (`//evil.example`, `/\\evil`,
 * `https://…`, `javascript:`) or loop back to sign-in is refused.
 */
export function safeReturnPath(next: string | null | undefined, origin: string = window.location.origin): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return '/';
  }
  if (url.origin !== origin || url.pathname === '/signin' || url.pathname === '/setup') return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The sign-in page's address that leads back to `path` afterwards ("/signin?next=%2Fsystem%2Fops%2Fruns%2F42"). */
export function signInHref(path: string): string {
  const back = safeReturnPath(path);
  return back === '/' ? '/signin' : `/signin?next=${encodeURIComponent(back)}`;
}
