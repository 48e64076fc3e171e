/** The schema: importing each capability's file registers its types on the builder. */
import { builder } from './builder.ts';
import { refuseUnstorableText } from './text-arguments.ts';
import { settleFieldErrorsAsync } from './field-errors.ts';
import './scalars.ts';
import './auth.ts';
import './tokens.ts';
import './users.ts';
import './audit.ts';
import './system.ts';
import './host.ts';

// Outermost, so that the argument check's refusals settle asynchronously too.
export const schema = settleFieldErrorsAsync(refuseUnstorableText(builder.toSchema()));
import './monitoring.ts';
import './uptime-timeline.ts';
import './monitoring-overview.ts';
import './monitoring-events.ts';
import './services.ts';
import './operations.ts';
import './dispatch.ts';
import './run-events.ts';
import './checklist.ts';
import './alerting.ts';
import './maintenance.ts';
import './runtimes.ts';
import './lookout-restart.ts';
import './actions.ts';
import './updates.ts';
import './status-pages.ts';
