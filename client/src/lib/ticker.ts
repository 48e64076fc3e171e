/**
 * One shared clock for relative times ("12 s ago", "for 3 h 12 min"): a single 1 s timer for the
 * whole dashboard, however many cards read it, instead of a timer per card.
 */
import { createSignal } from 'solid-js';

const [now, setNow] = createSignal(Date.now());
setInterval(() => setNow(Date.now()), 1000);

/** Milliseconds since the epoch, updated once a second. Reading it inside JSX re-renders that text only. */
export { now };
