/**
 * Parses the config file's YAML in a worker thread, so that a file the `yaml` package is slow on
 * (deep nesting, thousands of keys in one mapping: quadratic) costs this thread, bounded in time
 * and heap by server/config-file.ts, and never the server's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parse, YAMLParseError } from 'yaml';

export interface ParseRequest {
  bytes: Uint8Array;
  maxAliases: number;
  maxDepth: number;
}

export type ParseReply = { ok: true; document: unknown } | { ok: false; problem: string };

/** Whether `value` nests deeper than `limit` (each node visited once, however many aliases reach it). */
function tooDeep(value: unknown, limit: number): boolean {
  const seen = new Set<object>();
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (!node || typeof node !== 'object' || seen.has(node)) continue;
    if (depth > limit) return true;
    seen.add(node);
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

function parseConfigBytes({ bytes, maxAliases, maxDepth }: ParseRequest): ParseReply {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, problem: 'not UTF-8 text' };
  }
  let document: unknown;
  try {
    document = parse(text, { maxAliasCount: maxAliases });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    if (/Maximum call stack/.test(message)) return { ok: false, problem: `nested deeper than ${maxDepth} levels` };
    // The alias bound: `a: &a [...]` then `b: [*a, *a, …]`, the "billion laughs" of YAML.
    if (error instanceof ReferenceError && /Excessive alias count/.test(message)) {
      return { ok: false, problem: `too many YAML aliases: at most ${maxAliases} expansions of aliases (*name) are allowed` };
    }
    const where = error instanceof YAMLParseError && error.linePos ? ` (line ${error.linePos[0].line})` : '';
    return { ok: false, problem: `not valid YAML${where}: ${message.replace(/ at line \d+, column \d+:?$/, '')}` };
  }
  if (tooDeep(document, maxDepth)) return { ok: false, problem: `nested deeper than ${maxDepth} levels` };
  return { ok: true, document };
}

if (parentPort) parentPort.postMessage(parseConfigBytes(workerData as ParseRequest));
