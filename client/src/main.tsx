/**
 * Entry: asks for the first page's data, then loads the dashboard. The answers travel while the
 * browser downloads, parses and runs the dashboard's code (in its own chunk, loaded below), so on
 * the Overview the grid's data is there when the page is ready for it instead of asked for then.
 */
import { askEarly } from './lib/early-answers.ts';
import { SessionQuery } from './lib/session-query.ts';
import { HealthOverviewQuery } from './lib/overview-query.ts';
import './styles.css';

askEarly(SessionQuery);
// The Overview's route: what operators open most, and the page that waits for the most data.
if (window.location.pathname === '/') askEarly(HealthOverviewQuery);

void import('./mount.tsx');
