/** The sidebar: one link per place the signed-in role may use; the others are not offered. */
import { For, Show } from 'solid-js';
import { A, useLocation } from '@solidjs/router';
import { PLACES, type Place } from '../navigation.ts';
import { can } from '../lib/session.ts';
import { NavIcon } from './NavIcon.tsx';


export function Nav() {
  const location = useLocation();
  const link = (place: Place) => (
    <A
      href={place.href}
      class="nav__link"
      classList={{ 'nav__link--active': place.owns(location.pathname) }}
      data-testid={place.testid}
      aria-current={place.owns(location.pathname) ? 'page' : undefined}
    >
      <NavIcon name={place.icon} />
      {place.label}
    </A>
  );
  return (
    <nav class="nav" aria-label="Main" data-testid="nav">
      <For each={PLACES}>{(place) => <Show when={can(place.capability)}>{link(place)}</Show>}</For>
    </nav>
  );
}
