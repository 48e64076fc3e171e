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
    "\n  fragment ViewerFields on Viewer {\n    id\n    kind\n    name\n    email\n    role\n    capabilities\n    sessionExpiresAt\n  }\n": typeof types.ViewerFieldsFragmentDoc,
    "\n  query Session {\n    me {\n      ...ViewerFields\n    }\n    setupStatus {\n      required\n    }\n  }\n": typeof types.SessionDocument,
    "\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n": typeof types.SignInDocument,
    "\n  mutation CompleteSetup($token: String!, $email: String!, $password: String!) {\n    completeSetup(token: $token, email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n": typeof types.CompleteSetupDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": typeof types.SignOutDocument,
};
const documents: Documents = {
    "\n  fragment ViewerFields on Viewer {\n    id\n    kind\n    name\n    email\n    role\n    capabilities\n    sessionExpiresAt\n  }\n": types.ViewerFieldsFragmentDoc,
    "\n  query Session {\n    me {\n      ...ViewerFields\n    }\n    setupStatus {\n      required\n    }\n  }\n": types.SessionDocument,
    "\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n": types.SignInDocument,
    "\n  mutation CompleteSetup($token: String!, $email: String!, $password: String!) {\n    completeSetup(token: $token, email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n": types.CompleteSetupDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": types.SignOutDocument,
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
export function graphql(source: "\n  fragment ViewerFields on Viewer {\n    id\n    kind\n    name\n    email\n    role\n    capabilities\n    sessionExpiresAt\n  }\n"): (typeof documents)["\n  fragment ViewerFields on Viewer {\n    id\n    kind\n    name\n    email\n    role\n    capabilities\n    sessionExpiresAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Session {\n    me {\n      ...ViewerFields\n    }\n    setupStatus {\n      required\n    }\n  }\n"): (typeof documents)["\n  query Session {\n    me {\n      ...ViewerFields\n    }\n    setupStatus {\n      required\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CompleteSetup($token: String!, $email: String!, $password: String!) {\n    completeSetup(token: $token, email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CompleteSetup($token: String!, $email: String!, $password: String!) {\n    completeSetup(token: $token, email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOut {\n    signOut\n  }\n"): (typeof documents)["\n  mutation SignOut {\n    signOut\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;