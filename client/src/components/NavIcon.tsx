/** Line icons of the navigation (16×16, drawn with the current text colour). */
import { Switch, Match } from 'solid-js';

export type NavIconName = 'overview' | 'uptime' | 'operations' | 'alerts' | 'system' | 'admin';

export function NavIcon(props: { name: NavIconName }) {
  return (
    <svg class="nav__icon" viewBox="0 0 16 16" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
      <Switch>
        <Match when={props.name === 'overview'}>
          <rect x="2" y="2" width="5" height="5" rx="1" />
          <rect x="9" y="2" width="5" height="5" rx="1" />
          <rect x="2" y="9" width="5" height="5" rx="1" />
          <rect x="9" y="9" width="5" height="5" rx="1" />
        </Match>
        <Match when={props.name === 'uptime'}>
          <path d="M1.8 8h2.6l1.8-4.5 3.2 9 1.8-4.5h3" />
        </Match>
        <Match when={props.name === 'operations'}>
          <path d="M2 4h12M2 8h12M2 12h8" />
        </Match>
        <Match when={props.name === 'alerts'}>
          <path d="M8 2.2 14.2 13H1.8Z" />
          <path d="M8 6.5v3M8 11.3v.1" />
        </Match>
        <Match when={props.name === 'system'}>
          <rect x="2" y="3" width="12" height="8" rx="1" />
          <path d="M5.5 14h5M8 11v3" />
        </Match>
        <Match when={props.name === 'admin'}>
          <path d="M8 1.8 13.5 4v4c0 3-2.4 5.2-5.5 6.2C4.9 13.2 2.5 11 2.5 8V4Z" />
          <path d="M5.8 8.2 7.3 9.7 10.3 6.6" />
        </Match>
      </Switch>
    </svg>
  );
}
