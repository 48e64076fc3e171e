/**
 * The OpenAPI 3 document of the REST paths: SOFA generates the paths, parameters, bodies and the
 * schemas of the types from the GraphQL schema; this adds what GraphQL does not say (how to
 * authenticate, the refusals and their statuses, which fields may be null).
 */
import { SESSION_COOKIE, CSRF_HEADER } from './cookies.ts';
import { openApiPath, pathParams, type RestRoute } from './rest-routes.ts';

export const OPENAPI_PATH = '/api/openapi.json';

type Json = Record<string, unknown>;

interface OpenApiDocument {
  openapi: string;
  info: Json;
  paths: Record<string, Record<string, Json>>;
  components: { schemas?: Record<string, Json>; responses?: Json; securitySchemes?: Json };
  security?: Json[];
  [key: string]: unknown;
}

/** Refusals a route may answer, beside its 200. */
const REFUSALS: Record<string, string> = {
  '400': 'Bad input: the parameter or field named in extensions.field.',
  '401': 'Not authenticated: send Authorization: Bearer <token>, or the session cookie with the CSRF header.',
  '403': 'The caller lacks the capability this needs.',
  '404': 'Not found (or not visible to the caller).',
  '409': 'Conflict with the current state.',
  '503': 'The database cannot be reached: retry.',
};

/**
 * GraphQL's nullable fields are optional in SOFA's schemas but may be null in an answer: OpenAPI
 * 3.0 says so with `nullable` (a `$ref` cannot carry it beside itself, so it goes in an allOf).
 */
function markNullable(schema: Json): void {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  for (const [name, property] of Object.entries(properties)) {
    if (required.has(name)) {
      if ('$ref' in property && Object.keys(property).length > 1) properties[name] = { $ref: property.$ref };
      continue;
    }
    if ('$ref' in property) properties[name] = { allOf: [{ $ref: property.$ref }], nullable: true, ...(property.description ? { description: property.description } : {}) };
    else property.nullable = true;
  }
}

export function finishOpenApiDocument(doc: OpenApiDocument, routes: readonly RestRoute[], version: string): OpenApiDocument {
  doc.openapi = '3.0.3';
  doc.info = {
    title: 'Lookout REST API',
    version,
    description: `The seeds' REST paths, generated from Lookout's GraphQL schema (POST /graphql): the same data, capabilities and audit. Cookie sessions also send the ${CSRF_HEADER} header.`,
  };
  doc.components.securitySchemes = {
    bearer: { type: 'http', scheme: 'bearer', description: 'An API token (lookout token create).' },
    session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: `The dashboard's session; requests also send the ${CSRF_HEADER} header with the CSRF cookie's value.` },
  };
  doc.security = [{ bearer: [] }, { session: [] }];
  doc.components.schemas ??= {};
  // SOFA describes every object type of its view, the root types too: no answer is one of those.
  for (const root of ['Query', 'Mutation', 'Subscription']) delete doc.components.schemas[root];
  for (const schema of Object.values(doc.components.schemas)) if (schema.type === 'object') markNullable(schema);
  doc.components.schemas.RestError = {
    type: 'object',
    required: ['errors'],
    properties: {
      errors: {
        type: 'array',
        items: {
          type: 'object',
          required: ['message', 'extensions'],
          properties: {
            message: { type: 'string' },
            extensions: { type: 'object', required: ['code'], properties: { code: { type: 'string', description: 'UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, NOT_FOUND, CONFLICT, SERVICE_UNAVAILABLE, …' }, field: { type: 'string' } } },
          },
        },
      },
    },
  };
  doc.components.responses = Object.fromEntries(
    Object.entries(REFUSALS).map(([status, description]) => [`Refusal${status}`, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/RestError' } } } }]),
  );
  for (const route of routes) {
    const operation = doc.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];
    if (!operation) continue;
    operation.operationId = route.field.split('.')[1];
    operation.summary = route.summary;
    if (!(operation.tags as string[] | undefined)?.length) operation.tags = [route.path.startsWith('/api/system') ? 'system' : 'health'];
    const responses = (operation.responses ??= {}) as Json;
    for (const [name, response] of Object.entries(responses)) if (!(response as Json).description) (response as Json).description = name === '200' ? 'OK' : name;
    for (const status of Object.keys(REFUSALS)) responses[status] ??= { $ref: `#/components/responses/Refusal${status}` };
    if (route.method !== 'GET') responses['413'] = { description: 'The body is over LOOKOUT_MAX_BODY_BYTES.', content: { 'application/json': { schema: { $ref: '#/components/schemas/RestError' } } } };
    if (route.method !== 'GET') {
      // SOFA lists a POST's arguments both in the query and in the body: they are taken from the body, beside the path's.
      operation.parameters = ((operation.parameters ?? []) as Json[]).filter((p) => p.in === 'path');
      const body = (operation.requestBody as { content?: Record<string, { schema?: Json }> } | undefined)?.content?.['application/json']?.schema;
      const inPath = new Set(pathParams(route.path));
      if (body?.properties) {
        for (const name of inPath) delete (body.properties as Json)[name];
        body.required = ((body.required as string[] | undefined) ?? []).filter((n) => !inPath.has(n));
        if (!(body.required as string[]).length) delete body.required;
        if (!Object.keys(body.properties as Json).length) delete operation.requestBody;
        else (operation.requestBody as Json).required = !!body.required;
      }
    }
    if (route.seedSchema) {
      const ok = (responses['200'] as { content?: Record<string, { schema?: Json }> } | undefined)?.content?.['application/json'];
      if (ok?.schema) ok.schema = { allOf: [ok.schema, route.seedSchema] };
    }
    for (const parameter of (operation.parameters ?? []) as Json[]) {
      // A path parameter is always given (OpenAPI requires `required: true`), even for an optional argument (updateAlertConfig's service).
      if (parameter.in === 'path') parameter.required = true;
      if ((parameter.schema as Json | undefined)?.description && !parameter.description) parameter.description = (parameter.schema as Json).description;
    }
  }
  return doc;
}
