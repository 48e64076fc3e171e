/**
 * Entry: the styles, then the dashboard (its own chunk, preloaded from the page). The first page's
 * data is already on its way: the page asks for it before this script runs (lib/early-answers.ts).
 */
import './styles.css';

void import('./mount.tsx');
