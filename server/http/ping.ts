/**
 * Heartbeat pings for cron jobs and workers: `POST /ping/<token>` (GET and HEAD work too, for
 * `curl`-less environments) and `/ping/<token>/fail` to report a failure. Like Healthchecks: the
 * token in the URL is the credential, so no API token is needed. A body (a job's output) is not
 * kept: server/http.ts drops it, within the body limit, before routing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../context.ts';
import { NotFoundError } from '../errors.ts';

export async function handlePing(app: App, req: IncomingMessage, res: ServerResponse, token: string, failed: boolean): Promise<void> {
  if (!['POST', 'GET', 'HEAD'].includes(req.method ?? '')) {
    res.writeHead(405, { allow: 'POST, GET, HEAD' });
    return void res.end();
  }
  try {
    const result = await app.monitoring.ping(token, failed);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(result));
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'No heartbeat service has this ping URL.' }));
  }
}
