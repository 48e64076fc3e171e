/** The migrations Lookout applies, in order. `npm run migration:create` regenerates this list. */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122080934_initial as M0 } from './Migration20261122080934_initial.ts';
import { Migration20261122083231_monitoring as M1 } from './Migration20261122083231_monitoring.ts';
import { Migration20261122083300_timeseries as M2 } from './Migration20261122083300_timeseries.ts';
import { Migration20261122085811_operations as M3 } from './Migration20261122085811_operations.ts';
import { Migration20261130023426_batch_audit_targets as M4 } from './Migration20261130023426_batch_audit_targets.ts';
import { Migration20261130052828_status_reasons as M5 } from './Migration20261130052828_status_reasons.ts';
import { Migration20261130062245_daily_minute_rollups as M6 } from './Migration20261130062245_daily_minute_rollups.ts';
import { Migration20261130070508_window_recorded_at as M7 } from './Migration20261130070508_window_recorded_at.ts';
import { Migration20261205133948_periodic_jobs as M8 } from './Migration20261205133948_periodic_jobs.ts';
import { Migration20261205150000_transition_cursor as M9 } from './Migration20261205150000_transition_cursor.ts';
import { Migration20261205160000_check_claimed_by as M10 } from './Migration20261205160000_check_claimed_by.ts';
import { Migration20261205170000_alerting as M11 } from './Migration20261205170000_alerting.ts';
import { Migration20261206091742_host_samples as MHostSamples } from './Migration20261206091742_host_samples.ts';
import { Migration20261206100000_incident_service_names as M12 } from './Migration20261206100000_incident_service_names.ts';
import { Migration20261206120000_update_runs as MUpdateRuns } from './Migration20261206120000_update_runs.ts';
import { Migration20261207090000_status_pages as MStatusPages } from './Migration20261207090000_status_pages.ts';
import { Migration20261207100000_incident_last_notice as MLastNotice } from './Migration20261207100000_incident_last_notice.ts';
import { Migration20261208090000_service_sort_key as MSortKey } from './Migration20261208090000_service_sort_key.ts';
import { Migration20261209090000_checks_time_brin as MChecksBrin } from './Migration20261209090000_checks_time_brin.ts';
import { Migration20261210090000_checks_service_hour as MChecksServiceHour } from './Migration20261210090000_checks_service_hour.ts';
import { Migration20261210100000_minute_rollups_service_hour as MMinuteServiceHour } from './Migration20261210100000_minute_rollups_service_hour.ts';
import { Migration20261211090000_five_minute_rollups as MFiveMinuteRollups } from './Migration20261211090000_five_minute_rollups.ts';
import { Migration20261211100000_service_states_fillfactor as MStatesFillfactor } from './Migration20261211100000_service_states_fillfactor.ts';
import { Migration20261211110000_paused_never_due as MPausedNeverDue } from './Migration20261211110000_paused_never_due.ts';
import { Migration20261212090000_check_outcome as MCheckOutcome } from './Migration20261212090000_check_outcome.ts';
import { Migration20261213090000_config_file_state as MConfigFileState } from './Migration20261213090000_config_file_state.ts';

export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261122080934_initial', class: M0 },
  { name: 'Migration20261122083231_monitoring', class: M1 },
  { name: 'Migration20261122083300_timeseries', class: M2 },
  { name: 'Migration20261122085811_operations', class: M3 },
  { name: 'Migration20261130023426_batch_audit_targets', class: M4 },
  { name: 'Migration20261130052828_status_reasons', class: M5 },
  { name: 'Migration20261130062245_daily_minute_rollups', class: M6 },
  { name: 'Migration20261130070508_window_recorded_at', class: M7 },
  { name: 'Migration20261205133948_periodic_jobs', class: M8 },
  { name: 'Migration20261205150000_transition_cursor', class: M9 },
  { name: 'Migration20261205160000_check_claimed_by', class: M10 },
  { name: 'Migration20261205170000_alerting', class: M11 },
  { name: 'Migration20261206091742_host_samples', class: MHostSamples },
  { name: 'Migration20261206100000_incident_service_names', class: M12 },
  { name: 'Migration20261206120000_update_runs', class: MUpdateRuns },
  { name: 'Migration20261207090000_status_pages', class: MStatusPages },
  { name: 'Migration20261207100000_incident_last_notice', class: MLastNotice },
  { name: 'Migration20261208090000_service_sort_key', class: MSortKey },
  { name: 'Migration20261209090000_checks_time_brin', class: MChecksBrin },
  { name: 'Migration20261210090000_checks_service_hour', class: MChecksServiceHour },
  { name: 'Migration20261210100000_minute_rollups_service_hour', class: MMinuteServiceHour },
  { name: 'Migration20261211090000_five_minute_rollups', class: MFiveMinuteRollups },
  { name: 'Migration20261211100000_service_states_fillfactor', class: MStatesFillfactor },
  { name: 'Migration20261211110000_paused_never_due', class: MPausedNeverDue },
  { name: 'Migration20261212090000_check_outcome', class: MCheckOutcome },
  { name: 'Migration20261213090000_config_file_state', class: MConfigFileState },
];
