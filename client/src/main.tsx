/**
 * Entry: the styles, then the dashboard (its own chunk, preloaded from the page). The first page's
 * data is already on its way: the page asks for it before this script runs (lib/early-answers.ts).
 */
import './styles.css';

declare global {
  interface Window {
    /** index.html's recovery: says Lookout is not answering and reloads once it answers. */
    __lookoutCodeFailed?: () => void;
  }
}

// The dashboard's code may not arrive when Lookout stops meanwhile (a restart): recover as index.html does.
import('./mount.tsx').catch(() => window.__lookoutCodeFailed?.());
