/**
 * GraphQL Code Generator: typed documents for the dashboard and the tests, from the committed
 * schema.graphql (`npm run codegen` prints the schema first).
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const shared = {
  preset: 'client' as const,
  presetConfig: { fragmentMasking: false },
  config: {
    useTypeImports: true,
    enumsAsTypes: true,
    emitLegacyCommonJSImports: false,
    scalars: { DateTime: 'string', JSON: 'unknown' },
  },
};

const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: true,
  generates: {
    'client/src/graphql/': { ...shared, documents: ['client/src/**/*.{ts,tsx}', '!client/src/graphql/**'] },
    'tests/graphql/': { ...shared, documents: ['tests/**/*.ts', '!tests/graphql/**'] },
  },
};

export default config;
