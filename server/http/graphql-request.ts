/**
 * Reads the GraphQL parameters of an HTTP request (GET query string; JSON, form or
 * application/graphql body) in place of graphql-yoga's parsers, whose errors quoted the body back
 * (an invalid 10 MB body came back as a 10 MB error) or escaped as INTERNAL_SERVER_ERROR
 * (`variables=notjson`). Every refusal here is a 4xx naming what is wrong and quoting nothing.
 */
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { BODY_TOO_LARGE_CODE, bodyTooLargeMessage } from './body-limit.ts';
import { documentLimitError } from './document-limits.ts';

/** JSON nested deeper than this is refused before it is parsed: later steps (logging, JSON.stringify, jsonb) recurse. */
export const MAX_JSON_NESTING = 64;

interface GraphQLParams {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

function badRequest(message: string, status = 400): Error {
  return createGraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status } } });
}

/** True when JSON text opens arrays or objects more than `max` deep (one pass, strings skipped). */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

function parseJson(text: string, what: string): unknown {
  if (jsonNestsDeeperThan(text, MAX_JSON_NESTING)) throw badRequest(`${what} nests arrays and objects deeper than ${MAX_JSON_NESTING} levels, the limit.`);
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
  // As graphql-yoga matches it: the first of a (non-standard) list, parameters ignored.
  const contentType = request.headers.get('content-type')?.split(',')[0];
  return contentType === type || !!contentType?.startsWith(`${type};`);
}

function tooLarge(limit: number): Error {
  return createGraphQLError(bodyTooLargeMessage(limit), { extensions: { code: BODY_TOO_LARGE_CODE, http: { status: 413 } } });
}

/**
 * The body as text, read chunk by chunk and refused as soon as it passes the limit. The rest is
 * left unread, and the reader is not released: either would destroy the request (whatwg-node ends
 * its iterator) and reset the connection before the 413 is read; server/http.ts closes it after.
 */
async function bodyText(request: Request, limit: number): Promise<string> {
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
  return Buffer.concat(chunks).toString('utf8');
}

type Parser = (request: Request, limit: number) => Promise<GraphQLParams>;

const PARSERS: { matches: (request: Request) => boolean; parse: Parser }[] = [
  { matches: (r) => r.method === 'GET', parse: async (r) => fromSearchParams(new URL(r.url).searchParams) },
  {
    matches: (r) => r.method === 'POST' && (contentTypeIs(r, 'application/json') || contentTypeIs(r, 'application/graphql+json')),
    parse: async (r, limit) => {
      const body = parseJson(await bodyText(r, limit), 'The request body');
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be a JSON object with a "query".');
      return body as GraphQLParams;
    },
  },
  { matches: (r) => r.method === 'POST' && contentTypeIs(r, 'application/x-www-form-urlencoded'), parse: async (r, limit) => fromSearchParams(new URLSearchParams(await bodyText(r, limit))) },
  { matches: (r) => r.method === 'POST' && contentTypeIs(r, 'application/graphql'), parse: async (r, limit) => ({ query: await bodyText(r, limit) }) },
];

/**
 * Replaces graphql-yoga's request parsers (its body-size check still wraps these). The document
 * limits are checked here too so that over HTTP they are a 400 whatever the Accept header.
 */
export function useGraphQLRequestParsing(bodyLimit: number): Plugin {
  return {
    onRequestParse({ request, setRequestParser }) {
      const parser = PARSERS.find((p) => p.matches(request));
      if (!parser) return;
      setRequestParser(async (req: Request) => {
        const params = await parser.parse(req, bodyLimit);
        const error = typeof params.query === 'string' ? documentLimitError(params.query) : null;
        if (error) throw error;
        return params as never;
      });
    },
  };
}
