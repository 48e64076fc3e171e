/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query AuditLog($filter: AuditLogFilter, $first: Int, $after: String) {\n    auditLog(filter: $filter, first: $first, after: $after) {\n      endCursor\n      hasNextPage\n      entries { id at actorType actorLabel action targetType targetId input outcome errorCode clientAddress }\n    }\n  }\n": typeof types.AuditLogDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) { id email role }\n  }\n": typeof types.CreateUserDocument,
    "\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) { expiresAt viewer { name role capabilities } }\n  }\n": typeof types.SignInDocument,
    "query Me { me { name kind role sessionExpiresAt } }": typeof types.MeDocument,
    "mutation SignOut { signOut }": typeof types.SignOutDocument,
    "\n  mutation CompleteSetup($token: String!, $email: String!, $password: String!) {\n    completeSetup(token: $token, email: $email, password: $password) { viewer { name role } }\n  }\n": typeof types.CompleteSetupDocument,
    "query SetupStatus { setupStatus { required } }": typeof types.SetupStatusDocument,
    "\n  mutation CreateToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) { secret token { id name prefix role capabilities status expiresAt createdBy } }\n  }\n": typeof types.CreateTokenDocument,
    "mutation RevokeToken($id: ID!) { revokeApiToken(id: $id) { id status revokedAt } }": typeof types.RevokeTokenDocument,
    "query Tokens { apiTokens { id name status lastUsedAt prefix } }": typeof types.TokensDocument,
    "query WhoAmI { me { kind name role capabilities } }": typeof types.WhoAmIDocument,
    "\n  mutation CreateService($input: CreateServiceInput!) {\n    createService(input: $input) { name displayName kind target interval timeoutMs failureThreshold recoveryThreshold source status paused pingUrl }\n  }\n": typeof types.CreateServiceDocument,
    "mutation Recheck($name: String!) { recheckService(name: $name) { service status latencyMs error details steps { name } } }": typeof types.RecheckDocument,
    "mutation Diagnose($name: String!) { diagnoseService(name: $name) { status steps { name ok durationMs detail } } }": typeof types.DiagnoseDocument,
    "\n  query Overview($filter: ServiceFilter) {\n    healthOverview(filter: $filter) {\n      counts { healthy degraded down pending paused }\n      services { name status latencyMs lastCheckedAt statusSince uptime24h recentLatencies }\n    }\n  }\n": typeof types.OverviewDocument,
};
const documents: Documents = {
    "\n  query AuditLog($filter: AuditLogFilter, $first: Int, $after: String) {\n    auditLog(filter: $filter, first: $first, after: $after) {\n      endCursor\n      hasNextPage\n      entries { id at actorType actorLabel action targetType targetId input outcome errorCode clientAddress }\n    }\n  }\n": types.AuditLogDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) { id email role }\n  }\n": types.CreateUserDocument,
    "\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) { expiresAt viewer { name role capabilities } }\n  }\n": types.SignInDocument,
    "query Me { me { name kind role sessionExpiresAt } }": types.MeDocument,
    "mutation SignOut { signOut }": types.SignOutDocument,
    "\n  mutation CompleteSetup($token: String!, $email: String!, $password: String!) {\n    completeSetup(token: $token, email: $email, password: $password) { viewer { name role } }\n  }\n": types.CompleteSetupDocument,
    "query SetupStatus { setupStatus { required } }": types.SetupStatusDocument,
    "\n  mutation CreateToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) { secret token { id name prefix role capabilities status expiresAt createdBy } }\n  }\n": types.CreateTokenDocument,
    "mutation RevokeToken($id: ID!) { revokeApiToken(id: $id) { id status revokedAt } }": types.RevokeTokenDocument,
    "query Tokens { apiTokens { id name status lastUsedAt prefix } }": types.TokensDocument,
    "query WhoAmI { me { kind name role capabilities } }": types.WhoAmIDocument,
    "\n  mutation CreateService($input: CreateServiceInput!) {\n    createService(input: $input) { name displayName kind target interval timeoutMs failureThreshold recoveryThreshold source status paused pingUrl }\n  }\n": types.CreateServiceDocument,
    "mutation Recheck($name: String!) { recheckService(name: $name) { service status latencyMs error details steps { name } } }": types.RecheckDocument,
    "mutation Diagnose($name: String!) { diagnoseService(name: $name) { status steps { name ok durationMs detail } } }": types.DiagnoseDocument,
    "\n  query Overview($filter: ServiceFilter) {\n    healthOverview(filter: $filter) {\n      counts { healthy degraded down pending paused }\n      services { name status latencyMs lastCheckedAt statusSince uptime24h recentLatencies }\n    }\n  }\n": types.OverviewDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditLog($filter: AuditLogFilter, $first: Int, $after: String) {\n    auditLog(filter: $filter, first: $first, after: $after) {\n      endCursor\n      hasNextPage\n      entries { id at actorType actorLabel action targetType targetId input outcome errorCode clientAddress }\n    }\n  }\n"): (typeof documents)["\n  query AuditLog($filter: AuditLogFilter, $first: Int, $after: String) {\n    auditLog(filter: $filter, first: $first, after: $after) {\n      endCursor\n      hasNextPage\n      entries { id at actorType actorLabel action targetType targetId input outcome errorCode clientAddress }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) { id email role }\n  }\n"): (typeof documents)["\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) { id email role }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) { expiresAt viewer { name role capabilities } }\n  }\n"): (typeof documents)["\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) { expiresAt viewer { name role capabilities } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me { me { name kind role sessionExpiresAt } }"): (typeof documents)["query Me { me { name kind role sessionExpiresAt } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SignOut { signOut }"): (typeof documents)["mutation SignOut { signOut }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CompleteSetup($token: String!, $email: String!, $password: String!) {\n    completeSetup(token: $token, email: $email, password: $password) { viewer { name role } }\n  }\n"): (typeof documents)["\n  mutation CompleteSetup($token: String!, $email: String!, $password: String!) {\n    completeSetup(token: $token, email: $email, password: $password) { viewer { name role } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SetupStatus { setupStatus { required } }"): (typeof documents)["query SetupStatus { setupStatus { required } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) { secret token { id name prefix role capabilities status expiresAt createdBy } }\n  }\n"): (typeof documents)["\n  mutation CreateToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) { secret token { id name prefix role capabilities status expiresAt createdBy } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RevokeToken($id: ID!) { revokeApiToken(id: $id) { id status revokedAt } }"): (typeof documents)["mutation RevokeToken($id: ID!) { revokeApiToken(id: $id) { id status revokedAt } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Tokens { apiTokens { id name status lastUsedAt prefix } }"): (typeof documents)["query Tokens { apiTokens { id name status lastUsedAt prefix } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query WhoAmI { me { kind name role capabilities } }"): (typeof documents)["query WhoAmI { me { kind name role capabilities } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateService($input: CreateServiceInput!) {\n    createService(input: $input) { name displayName kind target interval timeoutMs failureThreshold recoveryThreshold source status paused pingUrl }\n  }\n"): (typeof documents)["\n  mutation CreateService($input: CreateServiceInput!) {\n    createService(input: $input) { name displayName kind target interval timeoutMs failureThreshold recoveryThreshold source status paused pingUrl }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Recheck($name: String!) { recheckService(name: $name) { service status latencyMs error details steps { name } } }"): (typeof documents)["mutation Recheck($name: String!) { recheckService(name: $name) { service status latencyMs error details steps { name } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Diagnose($name: String!) { diagnoseService(name: $name) { status steps { name ok durationMs detail } } }"): (typeof documents)["mutation Diagnose($name: String!) { diagnoseService(name: $name) { status steps { name ok durationMs detail } } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Overview($filter: ServiceFilter) {\n    healthOverview(filter: $filter) {\n      counts { healthy degraded down pending paused }\n      services { name status latencyMs lastCheckedAt statusSince uptime24h recentLatencies }\n    }\n  }\n"): (typeof documents)["\n  query Overview($filter: ServiceFilter) {\n    healthOverview(filter: $filter) {\n      counts { healthy degraded down pending paused }\n      services { name status latencyMs lastCheckedAt statusSince uptime24h recentLatencies }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;