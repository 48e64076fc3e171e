/** The SchemaBuilder and its plugins; no types are defined here (see the capability files). */
import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type { RequestContext } from '../server/context.ts';
import { Capability } from '../server/auth/capabilities.ts';
import { ForbiddenError, UnauthenticatedError } from '../server/errors.ts';

/**
 * Scopes: `public` (anyone), `authenticated` (any signed-in user or valid token), and one per
 * capability. Every root field declares one of them; tests/authorization.test.ts checks that.
 */
export interface AuthScopes {
  public: boolean;
  authenticated: boolean;
  [Capability.AccessSystemPanel]: boolean;
  [Capability.OperationsView]: boolean;
  [Capability.OperationsManage]: boolean;
  [Capability.SystemAdmin]: boolean;
}

export const builder = new SchemaBuilder<{
  Context: RequestContext;
  AuthScopes: AuthScopes;
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  plugins: [ScopeAuthPlugin],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  scopeAuth: {
    authorizeOnSubscribe: true,
    treatErrorsAsUnauthorized: true,
    authScopes: (ctx) => {
      const has = (c: Capability) => !!ctx.actor?.capabilities.has(c);
      return {
        public: true,
        authenticated: !!ctx.actor,
        [Capability.AccessSystemPanel]: has(Capability.AccessSystemPanel),
        [Capability.OperationsView]: has(Capability.OperationsView),
        [Capability.OperationsManage]: has(Capability.OperationsManage),
        [Capability.SystemAdmin]: has(Capability.SystemAdmin),
      };
    },
    unauthorizedError: (_parent, ctx, info) => {
      if (ctx.actor) return new ForbiddenError(`You do not have the capability that ${info.parentType.name}.${info.fieldName} needs.`);
      if (ctx.csrfRejected) {
        return new ForbiddenError('Cross-site request refused: cookie-authenticated requests need the x-lookout-csrf header matching the lookout_csrf cookie.');
      }
      if (ctx.credentialsRejected) return new UnauthenticatedError('The API token is unknown, expired or revoked.');
      return new UnauthenticatedError();
    },
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
