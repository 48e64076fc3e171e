/** Shows a page only to callers holding its capability; others read that they have no access. */
import { Show, type JSX } from 'solid-js';
import type { Capability } from '../../../server/auth/capabilities.ts';
import { can } from '../lib/session.ts';

export function RequireCapability(props: { capability: Capability; children: JSX.Element }) {
  return (
    <Show when={can(props.capability)} fallback={<NoAccess capability={props.capability} />}>
      {props.children}
    </Show>
  );
}

function NoAccess(props: { capability: Capability }) {
  return (
    <section class="card no-access" data-testid="no-access">
      <h1>You do not have access to this page</h1>
      <p>
        It needs the <code>{props.capability}</code> capability, which your role does not include. Ask an admin
        if you need it.
      </p>
    </section>
  );
}
