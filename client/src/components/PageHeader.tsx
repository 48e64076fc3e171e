/** The title block of a page: what it is, in one line, and optional actions on the right. */
import { Show, children, type JSX } from 'solid-js';

export function PageHeader(props: { title: string; description?: JSX.Element; actions?: JSX.Element }) {
  // Resolved once: reading `props.actions` twice would build the actions twice.
  const actions = children(() => props.actions);
  return (
    <header class="page-header">
      <div>
        <h1>{props.title}</h1>
        <Show when={props.description}>
          <p class="page-header__description">{props.description}</p>
        </Show>
      </div>
      <Show when={actions()}>
        <div class="page-header__actions" data-testid="page-header-actions">
          {actions()}
        </div>
      </Show>
    </header>
  );
}
