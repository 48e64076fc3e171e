/**
 * Hostile WebSocket interactions on /graphql: graphql-transport-ws messages out of order, of
 * unknown types, with bad ids and payloads, floods and huge frames (through the `ws` client), and
 * broken WebSocket framing itself (raw bytes after a real handshake).
 */
import type { Prng } from './prng.ts';
import { anyValue, randomDocument, type DocumentLimits } from './documents.ts';
import type { FuzzTokens } from './http-cases.ts';

/** A connection opened with the `ws` client, then these messages sent in order. */
export interface WsMessagesCase {
  kind: 'ws';
  label: string;
  path: string;
  protocols: string[];
  headers: Record<string, string>;
  messages: (string | Buffer)[];
  /** Send the rest only once the first (connection_init) is acknowledged, as clients do. */
  waitForAck: boolean;
  /** After the messages, ask for `{ __typename }` on the socket when it is still open and acknowledged. */
  probe: boolean;
}

/** A real handshake over a raw socket, then these bytes as WebSocket frames. */
export interface WsFramesCase {
  kind: 'ws-frames';
  label: string;
  frames: Buffer;
}

export type WsCase = WsMessagesCase | WsFramesCase;

export interface WsCaseOptions extends DocumentLimits {
  tokens: FuzzTokens;
  /** The largest single message drawn (rare). */
  maxMessageBytes: number;
}

const json = (value: unknown) => JSON.stringify(value);

/** A client frame: FIN + opcode, masked (as clients must) unless `unmasked`. */
export function frame(opcode: number, payload: Buffer, options: { fin?: boolean; rsv?: number; unmasked?: boolean; declaredLength?: bigint } = {}): Buffer {
  const length = options.declaredLength ?? BigInt(payload.length);
  const first = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode;
  const maskBit = options.unmasked ? 0 : 0x80;
  let header: Buffer;
  if (length < 126n) header = Buffer.from([first, maskBit | Number(length)]);
  else if (length < 65536n) {
    header = Buffer.from([first, maskBit | 126, 0, 0]);
    header.writeUInt16BE(Number(length), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(length, 2);
  }
  if (options.unmasked) return Buffer.concat([header, payload]);
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([header, mask, masked]);
}

/** connection_init with the conversation's token, garbage, or no payload at all. */
function init(rng: Prng, token: string | null): string {
  return rng.weighted<() => string>([
    [8, () => json({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} })],
    [1, () => json({ type: 'connection_init' })],
    [1, () => json({ type: 'connection_init', payload: rng.pick<unknown>(['x', 1, [], null, { authorization: 1 }, { authorization: { a: 1 } }, { authorization: 'x'.repeat(10_000) }]) })],
  ])();
}

/** A subscribe of a random document; never a mutation on an admin's socket (it could revoke the fuzz's own tokens). */
function subscribe(rng: Prng, options: WsCaseOptions, ids: string[], readOnly: boolean): string {
  let d = randomDocument(rng, options);
  for (let tries = 0; readOnly && d.operation !== 'query' && d.operation !== 'subscription'; tries++) d = tries < 20 ? randomDocument(rng, options) : { ...d, query: '{ serverTime }', operation: 'query' };
  const id = ids.length && rng.chance(0.05) ? rng.pick(ids) : `s${ids.length}`;
  ids.push(id);
  return json({ id, type: 'subscribe', payload: { query: d.query, variables: d.variables, operationName: d.operationName } });
}

/** A message the protocol does not allow here; the server may close the socket for it (with the protocol's code). */
function violation(rng: Prng, options: WsCaseOptions, ids: string[]): string | Buffer {
  const id = () => (ids.length && rng.chance(0.5) ? rng.pick(ids) : `s${rng.int(1000)}`);
  return rng.weighted<() => string | Buffer>([
    [2, () => json({ id: rng.pick<unknown>([1, null, {}, '', 'x'.repeat(10_000), ['a']]), type: 'subscribe', payload: { query: 'subscription { serverTime }' } })],
    [2, () => json({ id: id(), type: 'subscribe', payload: rng.pick<unknown>([null, 'x', { query: 1 }, {}, { query: '{ serverTime }', variables: 'notjson' }, { query: '{ serverTime }', extensions: 'x' }, { query: ['{ serverTime }'] }]) })],
    [1, () => json({ type: 'complete' })],
    [2, () => json({ id: id(), type: rng.pick(['next', 'error']), payload: rng.pick<unknown>([{ data: {} }, [], null, 'x', [{ message: 'x' }]]) })],
    [1, () => json({ type: 'connection_ack' })],
    [1, () => json({ type: 'connection_init', payload: {} })], // a second init
    [1, () => json({ type: 'ping', payload: anyValue(rng, options) })],
    [2, () => json(rng.pick<unknown>([{ type: 'nope' }, { type: 1 }, {}, null, [], 'string', 1, { type: 'subscribe' }, { type: 'start', id: '1', payload: { query: '{ serverTime }' } }]))],
    [2, () => rng.pick(['not json', '', '{"type":"subscribe"', '{"type":"ping"}{"type":"ping"}', '\u0000', '\ufeff{"type":"ping"}'])],
    [1, () => '['.repeat(rng.pick([100, 10_000, 100_000]))],
    [1, () => json({ type: 'ping', payload: { data: 'x'.repeat(rng.range(100_000, options.maxMessageBytes)) } })],
    [1, () => (rng.chance(0.5) ? rng.bytes(rng.range(1, 5000)) : Buffer.from(json({ type: 'ping' })))], // binary frames
  ])();
}

/** A message that keeps the conversation going: complete of a known (or unknown) id, a ping or pong. */
function allowed(rng: Prng, ids: string[]): string {
  return rng.weighted<() => string>([
    [2, () => json({ id: ids.length && rng.chance(0.7) ? rng.pick(ids) : `u${rng.int(1000)}`, type: 'complete' })],
    [1, () => json({ type: 'ping' })],
    [1, () => json({ type: 'pong' })],
  ])();
}

/** A sequence of messages on one connection. */
function conversation(rng: Prng, options: WsCaseOptions): WsMessagesCase {
  const ids: string[] = [];
  const messages: (string | Buffer)[] = [];
  const shape = rng.weighted([[8, 'documents'], [3, 'documents, then a violation'], [2, 'before init'], [1, 'ping flood'], [1, 'duplicate ids'], [1, 'init twice'], [1, 'many subscriptions']] as const);
  const { tokens } = options;
  const token = rng.weighted<string | null>([[2, null], [2, tokens.viewer], [2, tokens.operator], [2, tokens.admin], [1, 'lko_not_a_token']]);
  const readOnly = token === tokens.admin;
  if (shape !== 'before init') messages.push(init(rng, token));
  switch (shape) {
    case 'ping flood':
      messages.push(...Array<string>(rng.pick([50, 500, 2000])).fill(json({ type: 'ping' })));
      break;
    case 'duplicate ids':
      messages.push(...Array<string>(rng.range(2, 10)).fill(json({ id: 'dup', type: 'subscribe', payload: { query: 'subscription { serverTime }' } })));
      break;
    case 'init twice':
      messages.push(init(rng, rng.pick([token, tokens.viewer, null])));
      break;
    case 'many subscriptions':
      for (let i = 0; i < rng.pick([10, 100, 500]); i++) messages.push(json({ id: `m${i}`, type: 'subscribe', payload: { query: rng.pick(['subscription { serverTime }', 'subscription { serviceStatusChanged { service } }', 'subscription { startupChecklistUpdated { ready } }']) } }));
      break;
    case 'before init':
      messages.push(rng.chance(0.5) ? subscribe(rng, options, ids, readOnly) : violation(rng, options, ids));
      if (rng.chance(0.5)) messages.push(init(rng, token));
      break;
    default:
      for (let i = rng.range(1, 12); i > 0; i--) messages.push(rng.chance(0.8) ? subscribe(rng, options, ids, readOnly) : allowed(rng, ids));
      if (shape === 'documents, then a violation') messages.push(violation(rng, options, ids));
  }
  const foreign = rng.chance(0.05);
  return {
    kind: 'ws',
    label: `${shape} (${messages.length} messages)`,
    path: rng.chance(0.95) ? '/graphql' : rng.pick(['/graphql?x=%ff', '/', '/nope', '//[', '/%ff']),
    protocols: rng.chance(0.9) ? ['graphql-transport-ws'] : rng.pick([[], ['graphql-ws'], ['a', 'b'], ['x'.repeat(500)]]),
    headers: foreign ? { origin: rng.pick(['https://evil.example', 'null', 'http://[']) } : rng.chance(0.05) ? { cookie: rng.pick(['lookout_session=%ff', '=;=', `lookout_session=${'a'.repeat(5000)}`]) } : {},
    messages,
    waitForAck: shape !== 'before init' && rng.chance(0.9),
    probe: rng.chance(0.5),
  };
}

/** Broken framing after a valid handshake: what the `ws` server's parser must refuse cleanly. */
function brokenFrames(rng: Prng): WsFramesCase {
  const ping = Buffer.from(json({ type: 'ping' }));
  const [label, frames] = rng.weighted<() => [string, Buffer]>([
    [2, () => ['random bytes', rng.bytes(rng.range(1, 3000))]],
    [1, () => ['unmasked frame', frame(0x1, ping, { unmasked: true })]],
    [1, () => ['reserved opcode', frame(rng.pick([0x3, 0x7, 0xb, 0xf]), ping)]],
    [1, () => ['RSV bits without an extension', frame(0x1, ping, { rsv: rng.range(1, 7) })]],
    [1, () => ['length of 2^63-1 declared', frame(0x1, ping, { declaredLength: 0x7fffffffffffffffn })]],
    [1, () => ['length beyond the data', frame(0x1, ping, { declaredLength: BigInt(rng.range(200, 50_000_000)) })]],
    [1, () => ['fragmented control frame', frame(0x9, Buffer.from('x'), { fin: false })]],
    [1, () => ['control frame over 125 bytes', frame(0x9, Buffer.alloc(200, 0x61))]],
    [1, () => ['continuation without a start', frame(0x0, ping)]],
    [1, () => ['text frame of invalid UTF-8', frame(0x1, Buffer.from([0xff, 0xfe, 0xc3, 0x28]))]],
    [1, () => ['close with an invalid code', frame(0x8, Buffer.from([0x03, 0xe7]))]], // 999
    [1, () => ['close with invalid UTF-8', frame(0x8, Buffer.from([0x03, 0xe8, 0xff]))]],
    [1, () => ['a started message never finished', Buffer.concat([frame(0x1, ping.subarray(0, 5), { fin: false }), frame(0x1, ping)])]],
    [1, () => ['compressed bit on a plain frame', frame(0x1, ping, { rsv: 4 })]],
  ])();
  return { kind: 'ws-frames', label: `frames: ${label}`, frames };
}

/** The kinds of hostile interaction, each a generator, with how often randomWsCase draws it. */
export const WS_CASE_KINDS = {
  'graphql-transport-ws conversations': { weight: 6, generate: conversation },
  'broken WebSocket frames': { weight: 1, generate: (rng: Prng, _options: WsCaseOptions): WsCase => brokenFrames(rng) },
} satisfies Record<string, { weight: number; generate: (rng: Prng, options: WsCaseOptions) => WsCase }>;

/** One hostile WebSocket interaction of any kind. */
export function randomWsCase(rng: Prng, options: WsCaseOptions): WsCase {
  const kinds = Object.values(WS_CASE_KINDS);
  return rng.weighted(kinds.map((k) => [k.weight, k.generate] as const))(rng, options);
}
