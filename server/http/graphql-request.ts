/**
 * Reads the GraphQL parameters of an HTTP request (GET query string; JSON, form or
 * application/graphql body) in place of graphql-yoga's parsers, whose errors quoted the body back
 * (an invalid 10 MB body came back as a 10 MB error) or escaped as INTERNAL_SERVER_ERROR
 * (`variables=notjson`). Every refusal here is a 4xx naming what is wrong and quoting nothing.
 */
import type { IncomingMessage } from 'node:http';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { BODY_TOO_LARGE_CODE, bodyTooLargeMessage } from './body-limit.ts';
import { documentLimitError } from './document-limits.ts';
import { JsonNestingScan, jsonNestsDeeperThan, MAX_JSON_NESTING, readBody } from './request-body.ts';

interface GraphQLParams {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

function badRequest(message: string, status = 400): Error {
  return createGraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status } } });
}

const tooDeep = (what: string) => badRequest(`${what} nests arrays and objects deeper than ${MAX_JSON_NESTING} levels, the limit.`);

/** JSON text, parsed once its nesting is known to be within the limit (`checked`: followed as it was read). */
function parseJson(text: string, what: string, checked = false): unknown {
  if (!checked && jsonNestsDeeperThan(text, MAX_JSON_NESTING)) throw tooDeep(what);
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest(`${what} is not valid JSON.`);
  }
}

function fromSearchParams(search: URLSearchParams): GraphQLParams {
  const json = (name: string) => {
    const text = search.get(name);
    return text ? parseJson(text, `The "${name}" parameter`) : undefined;
  };
  return { query: search.get('query') || undefined, operationName: search.get('operationName') || undefined, variables: json('variables'), extensions: json('extensions') };
}

function contentTypeIs(request: Request, type: string): boolean {
  // The first of a (non-standard) list, parameters ignored, as graphql-yoga matches it; a media type
  // is case-insensitive (RFC 9110 §8.3.1: `APPLICATION/JSON` was refused with an empty 415).
  const contentType = request.headers.get('content-type')?.split(',')[0].split(';')[0].trim().toLowerCase();
  return contentType === type;
}

/** The media types a POST to /graphql may have. */
const POST_TYPES = ['application/json', 'application/graphql+json', 'application/x-www-form-urlencoded', 'application/graphql'];

/** A POST of another type: a 415 that names the type sent and the ones taken (yoga's said nothing). */
function unsupportedType(request: Request): Error {
  const sent = request.headers.get('content-type');
  const got = sent ? `got ${JSON.stringify(sent.slice(0, 100))}` : 'it had no Content-Type';
  return createGraphQLError(`A POST to /graphql must be ${POST_TYPES.join(', ')}; ${got}.`, { extensions: { code: 'BAD_REQUEST', http: { status: 415 } } });
}

function tooLarge(limit: number): Error {
  return createGraphQLError(bodyTooLargeMessage(limit), { extensions: { code: BODY_TOO_LARGE_CODE, http: { status: 413 } } });
}

/**
 * The body as text, read chunk by chunk and refused as soon as it passes the limit (or, with a
 * scan, nests too deep). Read from Node's request when there is one (whatwg-node's stream of it
 * cost a promise and a copy per chunk); otherwise from the Request's stream. The rest is left
 * unread either way, and that reader is not released: either would destroy the request
 * (whatwg-node ends its iterator) and reset the connection before the 413 is read; server/http.ts
 * closes it after.
 */
async function bodyText(request: Request, limit: number, req: IncomingMessage | undefined, scan?: JsonNestingScan): Promise<string> {
  if (req && !req.readableEnded && req.listenerCount('data') === 0) {
    const read = await readBody(req, limit, scan);
    if (read === 'too large') throw tooLarge(limit);
    if (read === 'too deep') throw tooDeep('The request body');
    if (read === 'aborted') throw badRequest('The request body could not be read.');
    return read.toString('utf8');
  }
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      size += read.value.byteLength;
      if (size > limit) throw tooLarge(limit);
      chunks.push(read.value);
    }
  } catch (error) {
    if (size > limit || (error as Error).name === 'AbortError') throw error;
    throw badRequest('The request body could not be read.');
  }
  const bytes = Buffer.concat(chunks);
  if (scan?.feed(bytes)) throw tooDeep('The request body');
  return bytes.toString('utf8');
}

type Parser = (request: Request, limit: number, req: IncomingMessage | undefined) => Promise<GraphQLParams>;

const PARSERS: { matches: (request: Request) => boolean; parse: Parser }[] = [
  { matches: (r) => r.method === 'GET', parse: async (r) => fromSearchParams(new URL(r.url).searchParams) },
  {
    matches: (r) => r.method === 'POST' && (contentTypeIs(r, 'application/json') || contentTypeIs(r, 'application/graphql+json')),
    parse: async (r, limit, req) => {
      const body = parseJson(await bodyText(r, limit, req, new JsonNestingScan(MAX_JSON_NESTING)), 'The request body', true);
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be a JSON object with a "query".');
      return body as GraphQLParams;
    },
  },
  { matches: (r) => r.method === 'POST' && contentTypeIs(r, 'application/x-www-form-urlencoded'), parse: async (r, limit, req) => fromSearchParams(new URLSearchParams(await bodyText(r, limit, req))) },
  { matches: (r) => r.method === 'POST' && contentTypeIs(r, 'application/graphql'), parse: async (r, limit, req) => ({ query: await bodyText(r, limit, req) }) },
];

/**
 * Replaces graphql-yoga's request parsers (its body-size check still wraps these). The document
 * limits are checked here too so that over HTTP they are a 400 whatever the Accept header.
 */
export function useGraphQLRequestParsing(bodyLimit: number): Plugin {
  return {
    onRequestParse({ request, serverContext, setRequestParser }) {
      const parser = PARSERS.find((p) => p.matches(request));
      if (!parser) {
        if (request.method === 'POST') {
          setRequestParser(async () => {
            throw unsupportedType(request);
          });
        }
        return;
      }
      // server/http.ts hands yoga Node's request as `req`; other callers (tests, REST) may not.
      const nodeRequest = (serverContext as { req?: IncomingMessage } | undefined)?.req;
      setRequestParser(async (asked: Request) => {
        const params = await parser.parse(asked, bodyLimit, asked === request ? nodeRequest : undefined);
        const error = typeof params.query === 'string' ? documentLimitError(params.query) : null;
        if (error) throw error;
        return params as never;
      });
    },
  };
}
