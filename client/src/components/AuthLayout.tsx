/** The frame of the signed-out pages (sign-in, setup): a centred card under the product name. */
import type { JSX } from 'solid-js';
import { ConnectionBanner, ConnectionIndicator } from './ConnectionStatus.tsx';

export function AuthLayout(props: { title: string; children: JSX.Element }) {
  return (
    <div class="auth">
      <ConnectionBanner />
      <div class="auth__panel">
        <div class="auth__brand">
          <span class="brand__mark" aria-hidden="true" />
          Lookout
        </div>
        <section class="card auth__card">
          <h1>{props.title}</h1>
          {props.children}
        </section>
        <div class="auth__footer">
          <ConnectionIndicator />
        </div>
      </div>
    </div>
  );
}
