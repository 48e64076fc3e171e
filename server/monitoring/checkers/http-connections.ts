/**
 * What the http checker keeps between checks of the same targets: keep-alive agents per origin, and
 * each target's parsed URL with the request options node:http derives from it.
 */
import http from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';

/**
 * Keep-alive agents, one per origin (and TLS strictness), so a service checked often reuses its
 * connection instead of paying a handshake per check. Diagnoses bypass them to time a fresh one.
 */
const agents = new Map<string, http.Agent>();
/** Origins kept pooled at most; past it the least recently added agent is closed (services come and go). */
const MAX_AGENTS = 500;

/**
 * A service's target, checked again and again, is parsed once (keyed by its text; emptied when it
 * holds MAX_PARSED, as targets come and go; a target longer than MAX_PARSED_LENGTH is parsed each
 * time), and the request options node:http derives from a URL (host, port, path, credentials) are
 * kept with its URL object, so neither is derived again for every check. A redirect's URL is a new
 * object each hop: its options go with it (nothing a server answers is kept).
 */
const parsedTargets = new Map<string, URL>();
const MAX_PARSED = 10_000;
const MAX_PARSED_LENGTH = 2048;
const requestOptions = new WeakMap<URL, http.RequestOptions>();

export function targetUrl(text: string): URL {
  let url = parsedTargets.get(text);
  if (!url) {
    url = new URL(text);
    if (text.length > MAX_PARSED_LENGTH) return url;
    if (parsedTargets.size >= MAX_PARSED) parsedTargets.clear();
    parsedTargets.set(text, url);
  }
  return url;
}

export function requestOptionsOf(url: URL): http.RequestOptions {
  let options = requestOptions.get(url);
  if (!options) {
    const { protocol, hostname, port, path, auth } = urlToHttpOptions(url);
    options = { protocol, hostname, path, ...(port !== undefined && { port }), ...(auth !== undefined && { auth }) };
    requestOptions.set(url, options);
  }
  return options;
}

export function agentFor(url: URL, insecure: boolean): http.Agent {
  const key = `${url.origin}|${insecure}`;
  let agent = agents.get(key);
  if (!agent) {
    agent = url.protocol === 'https:' ? new https.Agent({ keepAlive: true, rejectUnauthorized: !insecure }) : new http.Agent({ keepAlive: true });
    agents.set(key, agent);
    if (agents.size > MAX_AGENTS) {
      const [oldestKey, oldest] = agents.entries().next().value!;
      agents.delete(oldestKey);
      oldest.destroy();
    }
  }
  return agent;
}
