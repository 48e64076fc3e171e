/** Structured logs (pino, JSON lines); the level comes from LOG_LEVEL. */
import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * `serve` logs to stdout; one-shot CLI commands log to stderr (fd 2) so their output on stdout
 * (a token, JSON) stays clean for scripts.
 */
export function createLogger(level: string, fd: 1 | 2 = 1): Logger {
  return pino({ level, base: { service: 'lookout' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd, sync: true }));
}
