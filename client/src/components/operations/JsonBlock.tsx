/** A JSON value as indented text, or a quiet "none". */
import { Show } from 'solid-js';

export function JsonBlock(props: { value: unknown; testid: string; empty?: string }) {
  const present = () => props.value !== null && props.value !== undefined;
  return (
    <Show when={present()} fallback={<p class="muted" data-testid={props.testid}>{props.empty ?? 'None.'}</p>}>
      <pre class="json json--wrap" data-testid={props.testid}>
        {JSON.stringify(props.value, null, 2)}
      </pre>
    </Show>
  );
}
