/** Structured logs (pino, JSON lines); the level comes from LOG_LEVEL. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'lookout' }, timestamp: pino.stdTimeFunctions.isoTime });
}
