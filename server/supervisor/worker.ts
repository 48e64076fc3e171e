/**
 * `lookout serve --worker`: the server as a worker of Lookout's primary. It starts like a plain
 * `serve`; a replacement (HOLD_LISTEN_ENV) starts everything but waits for the primary's `listen`
 * before it listens. It tells the primary when it is ready and when it listens, hands over (drains
 * without cutting a keep-alive connection) when the primary retires it, and shuts down as usual on
 * SIGTERM. SIGINT is the primary's to act on: a terminal's Ctrl-C reaches the whole process group.
 */
import type { Config } from '../config.ts';
import type { LookoutServer } from '../main.ts';
import { supervisorLink } from './link.ts';
import { HOLD_LISTEN_ENV, isSupervisorMessage, SUPERVISOR_MESSAGE, type PrimaryMessage, type WorkerMessageBody } from './messages.ts';
import { handleProcessFailures } from '../fatal.ts';

function tell(body: WorkerMessageBody): void {
  if (process.connected) process.send!({ kind: SUPERVISOR_MESSAGE, ...body }, undefined, {}, () => {});
}

/** Serves until the primary retires this worker or it is told to stop; exits the process then. */
export async function serveAsWorker(config: Config): Promise<void> {
  const hold = process.env[HOLD_LISTEN_ENV] === '1';
  delete process.env[HOLD_LISTEN_ENV];
  const supervisor = supervisorLink();
  process.on('SIGINT', () => {});

  // A stop asked for while starting: a held replacement gives up (startServer undoes its start),
  // one still starting shuts down as soon as it is up.
  let stopAsked: string | null = null;
  let abandonHold: ((reason: Error) => void) | undefined;
  const earlyStop = (why: string) => {
    stopAsked ??= why;
    abandonHold?.(new Error(`stopped (${why}) before it listened`));
  };
  const onEarlySignal = () => earlyStop('SIGTERM');
  process.on('SIGTERM', onEarlySignal);
  process.once('disconnect', () => earlyStop('the primary has gone'));
  const holdListen = () =>
    new Promise<void>((resolve, reject) => {
      if (stopAsked) return reject(new Error(`stopped (${stopAsked}) before it listened`));
      abandonHold = reject;
      const onMessage = (message: unknown) => {
        if (!isSupervisorMessage(message) || (message as PrimaryMessage).type !== 'listen') return;
        process.off('message', onMessage);
        resolve();
      };
      process.on('message', onMessage);
      tell({ type: 'ready' });
    });

  let server: LookoutServer;
  try {
    const { startServer } = await import('../main.ts');
    server = await startServer(config, { supervisor, holdListen: hold ? holdListen : undefined });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
  abandonHold = undefined;
  process.off('SIGTERM', onEarlySignal);
  tell({ type: 'listening' });

  const { logger } = server.app;
  let stopping = false;
  const stop = (why: string, handover: boolean) => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, handover ? 'retiring: handing over to the new worker' : 'stopping');
    server.close({ handover }).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM', false));
  process.on('SIGHUP', () => void server.app.configFile.reload('SIGHUP'));
  process.on('message', (message: unknown) => {
    if (isSupervisorMessage(message) && (message as PrimaryMessage).type === 'retire') stop('retired by the primary', true);
  });
  // A bug must not leave work half done: close what can be closed, then exit non-zero.
  const fatal = (err: unknown) => {
    logger.fatal({ err }, 'fatal error; shutting down');
    setTimeout(() => process.exit(1), 15_000).unref();
    server.close().finally(() => process.exit(1));
  };
  handleProcessFailures(logger, fatal);
  if (stopAsked) stop(stopAsked, false);
}
