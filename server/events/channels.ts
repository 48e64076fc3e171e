/**
 * Every pub/sub channel of Lookout, declared once: its name, its payload's type, and the shape a
 * payload from Redis must have before a subscriber sees it. Publishing or subscribing on a name not
 * declared here does not compile; a message from Redis that does not fit its channel is dropped and
 * counted (server/events/pubsub.ts), so a subscriber never reads a field that is not there.
 */
import { STATUSES, type Status } from '../monitoring/status.ts';
import { arrayOf, boolean, instant, integer, nullable, object, oneOf, optional, string, type Shape } from './payload-shapes.ts';

/** A recorded check, as subscribers get it. */
export interface HealthCheckEvent {
  service: string;
  checkedAt: string;
  status: Status;
  latencyMs: number;
  error: string | null;
}

/** The checks one batch of the writer stored: one message per write, not one per check. */
export interface ChecksRecordedMessage {
  checks: HealthCheckEvent[];
}

/** A status transition a check caused, as subscribers get it. */
export interface StatusChangeEvent {
  service: string;
  displayName?: string;
  critical: boolean;
  previousStatus: Status | null;
  status: Status;
  reason: string;
  /** When the check that caused it began. */
  at: string;
}

/** One run's change as subscribers learn it: the run id and its workspace (they re-read what they show). */
export interface RunUpdatedEvent {
  id: number;
  workspaceId: number;
  tenantId: number | null;
  type: string;
  status: string;
  outcome: string;
  at: string;
}

/** Every run one change touched, in one message (a worker may complete hundreds at once). */
export interface RunsUpdatedMessage {
  runs: RunUpdatedEvent[];
}

/** The start-up checklist of the replica that publishes it changed. */
export interface ChecklistUpdatedEvent {
  ready: boolean;
  failing: string[];
}

/** Access may have shrunk (a revocation, sign-out, role or limit change): every replica re-checks its sockets. */
export interface AccessChangedEvent {
  action: string;
}

/** An incident opened, changed (a transition, an acknowledgement, a delivery) or resolved: subscribers re-read it. */
export interface AlertChangedEvent {
  id: number;
  service: string;
  state: 'open' | 'resolved';
  severity: 'warning' | 'critical';
  status: Status;
  acknowledged: boolean;
  at: string;
}

/** A runtime's state changed on the replica that publishes it (it supervises its own `process` runtimes). */
export interface RuntimeChangedEvent {
  name: string;
  kind: string;
  state: 'running' | 'starting' | 'restarting' | 'stopped' | 'crashed' | 'unknown';
  pid: number | null;
  version: string | null;
  commit: string | null;
  startedAt: string | null;
  restarts: number;
  lastExit: { code: number | null; signal: string | null; at: string } | null;
  lastError: string | null;
  nextRestartAt: string | null;
  at: string;
}

/** An update run's new output lines and, when `stepsChanged`, a new state of its steps (subscribers re-read the run). */
export interface UpdateProgressEvent {
  runId: number;
  state: 'running' | 'succeeded' | 'failed' | 'abandoned';
  stepsChanged: boolean;
  lines: { seq: number; step: string; at: string; line: string }[];
}

/** The event-bus checker's probe: it must come back. */
export interface ProbeEvent {
  id: string;
}

/** The channels' names. */
export const Channels = {
  statusChanged: 'service.status',
  checksRecorded: 'service.checks',
  runsUpdated: 'operations.run',
  checklistUpdated: 'operations.checklist',
  accessChanged: 'auth.changed',
  probe: 'event-bus.probe',
  alertChanged: 'alerting.incident',
  runtimeChanged: 'runtime.changed',
  updateProgress: 'update.progress',
} as const;

/** Each channel's payload. */
export interface ChannelPayloads {
  [Channels.statusChanged]: StatusChangeEvent;
  [Channels.checksRecorded]: ChecksRecordedMessage;
  [Channels.runsUpdated]: RunsUpdatedMessage;
  [Channels.checklistUpdated]: ChecklistUpdatedEvent;
  [Channels.accessChanged]: AccessChangedEvent;
  [Channels.probe]: ProbeEvent;
  [Channels.alertChanged]: AlertChangedEvent;
  [Channels.runtimeChanged]: RuntimeChangedEvent;
  [Channels.updateProgress]: UpdateProgressEvent;
}

export type ChannelName = keyof ChannelPayloads;

/** A shape check per channel of a channel map (a test may declare its own map). */
export type PayloadShapes<M> = { readonly [N in keyof M]: Shape<M[N]> };

const status = oneOf(...STATUSES);

/** What a payload of each channel must be when it comes from Redis. */
export const payloadShapes: PayloadShapes<ChannelPayloads> = {
  [Channels.statusChanged]: object<StatusChangeEvent>({
    service: string,
    displayName: optional(string),
    critical: boolean,
    previousStatus: nullable(status),
    status,
    reason: string,
    at: instant,
  }),
  [Channels.checksRecorded]: object<ChecksRecordedMessage>({
    checks: arrayOf(object<HealthCheckEvent>({ service: string, checkedAt: instant, status, latencyMs: integer, error: nullable(string) })),
  }),
  [Channels.runsUpdated]: object<RunsUpdatedMessage>({
    runs: arrayOf(object<RunUpdatedEvent>({ id: integer, workspaceId: integer, tenantId: nullable(integer), type: string, status: string, outcome: string, at: instant })),
  }),
  [Channels.checklistUpdated]: object<ChecklistUpdatedEvent>({ ready: boolean, failing: arrayOf(string) }),
  [Channels.accessChanged]: object<AccessChangedEvent>({ action: string }),
  [Channels.probe]: object<ProbeEvent>({ id: string }),
  [Channels.alertChanged]: object<AlertChangedEvent>({
    id: integer,
    service: string,
    state: oneOf('open', 'resolved'),
    severity: oneOf('warning', 'critical'),
    status,
    acknowledged: boolean,
    at: instant,
  }),
  [Channels.runtimeChanged]: object<RuntimeChangedEvent>({
    name: string,
    kind: string,
    state: oneOf('running', 'starting', 'restarting', 'stopped', 'crashed', 'unknown'),
    pid: nullable(integer),
    version: nullable(string),
    commit: nullable(string),
    startedAt: nullable(instant),
    restarts: integer,
    lastExit: nullable(object<{ code: number | null; signal: string | null; at: string }>({ code: nullable(integer), signal: nullable(string), at: instant })),
    lastError: nullable(string),
    nextRestartAt: nullable(instant),
    at: instant,
  }),
  [Channels.updateProgress]: object<UpdateProgressEvent>({
    runId: integer,
    state: oneOf('running', 'succeeded', 'failed', 'abandoned'),
    stepsChanged: boolean,
    lines: arrayOf(object<UpdateProgressEvent['lines'][number]>({ seq: integer, step: string, at: instant, line: string })),
  }),
};
