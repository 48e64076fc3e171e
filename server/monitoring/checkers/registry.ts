/** Every checker kind by name: the one place a new kind is registered. */
import { BadInputError } from '../../errors.ts';
import type { Checker } from './checker.ts';
import { commandChecker } from './command.ts';
import { eventBusChecker } from './event-bus.ts';
import { filesystemChecker } from './filesystem.ts';
import { heartbeatChecker } from './heartbeat.ts';
import { hostChecker } from './host.ts';
import { httpChecker } from './http.ts';
import { lookoutChecker } from './lookout.ts';
import { postgresChecker } from './postgres.ts';
import { redisChecker } from './redis.ts';
import { tcpChecker } from './tcp.ts';
import { websocketChecker } from './websocket.ts';

const all: Checker[] = [
  httpChecker,
  tcpChecker,
  websocketChecker,
  postgresChecker,
  redisChecker,
  filesystemChecker,
  hostChecker,
  eventBusChecker,
  heartbeatChecker,
  commandChecker,
  lookoutChecker,
];

/** All checkers by kind. */
export const checkers: Record<string, Checker> = Object.fromEntries(all.map((checker) => [checker.kind, checker]));

/** The kind names, in the order docs and the dashboard list them. */
export const CHECKER_KINDS: readonly string[] = Object.freeze(all.map((checker) => checker.kind));

/** The checker for `kind`; throws BadInputError naming `kind` when there is none. */
export function getChecker(kind: string): Checker {
  const checker = Object.hasOwn(checkers, kind) ? checkers[kind] : undefined;
  if (!checker) throw new BadInputError('kind', `Unknown kind "${kind}"; use one of ${CHECKER_KINDS.join(', ')}.`);
  return checker;
}
