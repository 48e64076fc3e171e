/**
 * Services found by part of their name, display name or target, asked of the server as the operator
 * types (a pause of FIND_DELAY_MS first): any service of any number, where a page lists only the
 * first ones. Used by the Maintenance form's service list and the Alerts page's service filter.
 */
import { createSignal, onCleanup } from 'solid-js';
import { graphql } from '../graphql';
import { client } from './urql.ts';

const FindServicesDoc = graphql(`
  query FindServices($text: String!) {
    services(filter: { text: $text }, first: 50) {
      name
      displayName
    }
  }
`);

/** How long typing pauses before the services are looked up. */
const FIND_DELAY_MS = 250;

export interface ServiceChoice {
  name: string;
  displayName: string;
}

export interface ServiceSearch {
  /** What was typed last. */
  text: () => string;
  /** The first 50 services matching it (all services' first 50 for no text), once the server answered; null before. */
  found: () => readonly ServiceChoice[] | null;
  /** Takes what was typed; looks it up after the pause, or at once. An answer to older text is dropped. */
  search: (text: string, now?: boolean) => void;
}

export function createServiceSearch(): ServiceSearch {
  const [text, setText] = createSignal('');
  const [found, setFound] = createSignal<readonly ServiceChoice[] | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  const ask = async (asked: string) => {
    const result = await client.query(FindServicesDoc, { text: asked.trim() }).toPromise();
    if (text() === asked && result.data) setFound(result.data.services);
  };
  return {
    text,
    found,
    search: (typed, now = false) => {
      setText(typed);
      clearTimeout(timer);
      if (now) void ask(typed);
      else timer = setTimeout(() => void ask(typed), FIND_DELAY_MS);
    },
  };
}
