/**
 * What the network checkers (http, tcp, websocket, postgres, redis) share: parsing `host:port`,
 * timing steps, and turning Node's socket errors into sentences an operator can act on.
 */
import net from 'node:net';
import { BadInputError } from '../../errors.ts';
import type { CheckStep } from './checker.ts';

/** A parsed `host:port`; `host` has no brackets, even for IPv6. */
export interface HostPort {
  host: string;
  port: number;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

/** Whether `host` is an IP address or a syntactically valid host name. */
export function isHost(host: string): boolean {
  return net.isIP(host) !== 0 || HOSTNAME.test(host);
}

/** Parses `host:port` or `[v6]:port`; throws BadInputError naming `field` otherwise. */
export function parseHostPort(value: string, field: string, defaultPort?: number): HostPort {
  const expected = `${field} must be "host:port" (IPv6 as "[::1]:port")`;
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(value) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(value);
  if (!match) throw new BadInputError(field, `${expected}, got ${JSON.stringify(value)}.`);
  const [, host, portText] = match;
  if (value.startsWith('[') ? net.isIPv6(host) === false : !isHost(host)) {
    throw new BadInputError(field, `${expected}; "${host}" is not a host name or IP address.`);
  }
  if (portText === undefined && defaultPort === undefined) throw new BadInputError(field, `${expected}; the port is missing.`);
  const port = portText === undefined ? defaultPort! : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new BadInputError(field, `${expected}; the port must be 1-65535, got ${portText}.`);
  return { host, port };
}

/** Writes a host and port back the way `parseHostPort` reads them. */
export function formatHostPort({ host, port }: HostPort): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

const NETWORK_ERRORS: Record<string, (where: string) => string> = {
  ECONNREFUSED: (where) => `connection refused by ${where} (nothing listening?)`,
  ECONNRESET: (where) => `connection reset by ${where}`,
  EPIPE: (where) => `connection closed by ${where} while sending`,
  ENOTFOUND: (where) => `DNS lookup failed for ${where} (host not found)`,
  EAI_AGAIN: (where) => `DNS lookup failed for ${where} (temporary failure; is DNS reachable?)`,
  EHOSTUNREACH: (where) => `host unreachable: ${where}`,
  ENETUNREACH: (where) => `network unreachable: ${where}`,
  ETIMEDOUT: (where) => `connection to ${where} timed out`,
};

/**
 * One sentence for a failed network operation. Known socket codes get plain words; TLS errors keep
 * OpenSSL's wording (it is what people search for) with a `TLS:` prefix.
 */
export function describeNetworkError(error: unknown, where: string): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const known = NETWORK_ERRORS[code];
  if (known) return known(where);
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME|ALTNAME/.test(code)) return `TLS: ${error.message} (${where})`;
  return error.message || code || error.name;
}

/**
 * Records steps as consecutive intervals: each `mark` closes a step that began where the previous
 * one ended, so the durations add up to the whole check.
 */
export class StepClock {
  readonly steps: CheckStep[] = [];
  private last = performance.now();

  /** Closes a step that ended now. */
  mark(name: string, ok = true, detail?: string): void {
    const now = performance.now();
    this.steps.push(step(name, ok, now - this.last, detail));
    this.last = now;
  }

  /** Closes a step that ended at an earlier `performance.now()` reading. */
  markAt(name: string, at: number, detail?: string): void {
    this.steps.push(step(name, true, at - this.last, detail));
    this.last = at;
  }

  /** Records the step that was under way when the check failed. */
  fail(name: string, error: string): void {
    this.mark(name, false, error);
  }
}

function step(name: string, ok: boolean, durationMs: number, detail?: string): CheckStep {
  const result: CheckStep = { name, ok, durationMs: Math.round(Math.max(0, durationMs) * 100) / 100 };
  if (detail !== undefined) result.detail = detail;
  return result;
}
