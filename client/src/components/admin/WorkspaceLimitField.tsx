/**
 * Which workspaces a user or token may use: all of them, or only some, ticked from the workspaces
 * that exist or typed as a slug that does not exist yet (a workspace is created by its first run).
 * The value is `null` for every workspace, as the API takes it.
 */
import { For, Show, createEffect, createResource, createSignal } from 'solid-js';
import { graphql } from '../../graphql';
import { client } from '../../lib/urql.ts';
import { slugProblem } from '../../lib/slug-rules.ts';
import { fieldErrorId, linkFieldError } from '../Forms.tsx';

const LimitWorkspacesDoc = graphql(`
  query LimitWorkspaces {
    workspaces(first: 1000) {
      slug
      name
    }
  }
`);


/** Why a limit cannot be saved as it is, or null: "only these" with none ticked would shut them out of everything. */
export function workspaceLimitProblem(value: readonly string[] | null): string | null {
  return value && !value.length ? 'Tick at least one workspace, or choose “All workspaces”.' : null;
}

/** "All workspaces", or the slugs. */
export function WorkspaceLimitList(props: { workspaces: readonly string[] | null | undefined; testid: string }) {
  return (
    <Show when={props.workspaces} fallback={<span class="muted" data-testid={props.testid} data-workspaces="*">All workspaces</span>}>
      {(list) => (
        <span class="workspace-list" data-testid={props.testid} data-workspaces={list().join(',')}>
          <span class="visually-hidden">Only: </span>
          <For each={list()}>{(slug) => <span class="tag">{slug}</span>}</For>
        </span>
      )}
    </Show>
  );
}

let instances = 0;

export function WorkspaceLimitField(props: {
  value: string[] | null;
  onChange: (value: string[] | null) => void;
  /** The server's (or the form's) message for this field. */
  error?: string | null;
  testid: string;
  legend?: string;
}) {
  const name = `workspace-limit-${++instances}`;
  const [known] = createResource(async () => (await client.query(LimitWorkspacesDoc, {}).toPromise()).data?.workspaces ?? [], { initialValue: [] });
  const [typed, setTyped] = createSignal('');
  const [typedError, setTypedError] = createSignal<string | null>(null);
  /** What was ticked before "All workspaces" was chosen, to come back to. */
  let remembered: string[] = [];
  let input: HTMLInputElement | undefined;
  // A bad slug left in the field also stops the form from being submitted (the browser says why).
  createEffect(() => input?.setCustomValidity(typedError() ?? ''));

  const chosen = () => props.value ?? [];
  const names = () => new Map(known.latest.map((w) => [w.slug, w.name]));
  /** Every workspace that exists, and any typed slug that does not yet. */
  const offered = () => [...new Set([...known.latest.map((w) => w.slug), ...chosen()])].sort();

  const limitTo = (only: boolean) => {
    setTypedError(null);
    if (!only && props.value) remembered = props.value;
    props.onChange(only ? [...remembered] : null);
  };
  const toggle = (slug: string, on: boolean) => props.onChange(on ? [...chosen(), slug] : chosen().filter((s) => s !== slug));
  /** Adds the typed slug, ticked; a slug the server would refuse stays in the field with why. */
  const addTyped = () => {
    const slug = typed().trim();
    if (!slug) return;
    const problem = slugProblem(slug, `“${slug}” is not a workspace slug: it`);
    if (problem) {
      setTypedError(problem.replace(/, got .*$/, '.'));
      return;
    }
    setTypedError(null);
    setTyped('');
    if (!chosen().includes(slug)) props.onChange([...chosen(), slug]);
  };
  const error = () => typedError() ?? props.error ?? null;
  // The form's (or server's) message describes the group and takes the focus when it was lost; a
  // typed slug's own message appears as the field is left, and must not pull the focus back.
  const errorId = fieldErrorId();
  let box: HTMLFieldSetElement | undefined;
  linkFieldError(() => box, () => (typedError() ? null : props.error), errorId, { describe: 'box' });

  return (
    <fieldset ref={box} class="workspace-limit form__wide" classList={{ 'field--invalid': !!error() }} data-testid={props.testid}>
      <legend class="field__label">{props.legend ?? 'Workspaces'}</legend>
      <div class="workspace-limit__modes">
        <label class="choice">
          <input type="radio" name={name} checked={props.value === null} onChange={() => limitTo(false)} data-testid={`${props.testid}-all`} />
          All workspaces
        </label>
        <label class="choice">
          <input type="radio" name={name} checked={props.value !== null} onChange={() => limitTo(true)} data-testid={`${props.testid}-only`} />
          Only these workspaces
        </label>
      </div>
      <Show when={props.value !== null}>
        <div class="workspace-limit__options">
          <For each={offered()} fallback={<span class="muted">No workspace exists yet: type one.</span>}>
            {(slug) => (
              <label class="choice">
                <input
                  type="checkbox"
                  checked={chosen().includes(slug)}
                  onChange={(e) => toggle(slug, e.currentTarget.checked)}
                  data-testid={`${props.testid}-option`}
                  data-workspace={slug}
                />
                {names().get(slug) && names().get(slug) !== slug ? `${names().get(slug)} (${slug})` : slug}
              </label>
            )}
          </For>
          <span class="workspace-limit__add">
            <label class="choice">
              <span>Another workspace:</span>
              <input
                ref={input}
                type="text"
                placeholder="workspace slug"
                autocomplete="off"
                value={typed()}
                aria-invalid={typedError() ? true : undefined}
                onInput={(e) => {
                  setTyped(e.currentTarget.value);
                  setTypedError(null);
                }}
                // Enter adds the slug rather than submitting the form; leaving the field adds it too.
                onKeyDown={(e) => {
                  if (e.key !== 'Enter') return;
                  e.preventDefault();
                  addTyped();
                }}
                onBlur={() => addTyped()}
                data-testid={`${props.testid}-new`}
              />
            </label>
            <button type="button" class="button button--quiet button--small" onClick={() => addTyped()} data-testid={`${props.testid}-add`}>
              Add
            </button>
          </span>
        </div>
      </Show>
      <Show when={error()} fallback={<span class="field__hint">{props.value === null ? 'No limit: every workspace, including ones created later.' : 'Runs of other workspaces are not shown and cannot be acted on.'}</span>}>
        <span class="field__error" id={errorId} data-testid={`${props.testid}-error`}>
          {error()}
        </span>
      </Show>
    </fieldset>
  );
}
