/**
 * Replaces each `graphql(`…`)` call in the dashboard's code with the document codegen wrote for
 * it, as the client preset's babel optimizer does, but with one module per document. The preset's
 * `graphql()` looks documents up in one map of every document in the app, and `graphql.ts` holds
 * them all in one module, so either way the first script would carry (and evaluate) the queries of
 * every page, half its size; one module per document lets each land in the chunk that uses it.
 * Each document also carries its text (`loc.source.body`, where graphql-js and urql keep it), so
 * the entry script can send its early queries without a GraphQL printer (lib/early-answers.ts).
 */
import { readFileSync } from 'node:fs';
import { Kind, parse, print, type DocumentNode } from 'graphql';
import type { Plugin } from 'vite';

/** A `graphql(` call with a plain template literal, the only form codegen reads. */
const CALL = /\bgraphql\(\s*`([^`]*)`\s*\)/g;
const HAS_CALL = /\bgraphql\(\s*`/;
const PREFIX = 'virtual:graphql-document/';
/** How codegen writes a document in `graphql.ts`: one line, a JSON object and a type cast. */
const EXPORTED = /^export const (\w+) = (\{.*\}) as unknown as DocumentNode<.*>;$/gm;

/** The name codegen gives a document's export: `HealthOverviewDocument`, `ServiceCardFieldsFragmentDoc`. */
function exportName(source: string, id: string): string {
  const [definition] = parse(source).definitions;
  if ((definition?.kind !== Kind.OPERATION_DEFINITION && definition?.kind !== Kind.FRAGMENT_DEFINITION) || !definition.name) {
    throw new Error(`${id}: a graphql() document must start with a named operation or fragment`);
  }
  const name = definition.name.value[0].toUpperCase() + definition.name.value.slice(1);
  return definition.kind === Kind.FRAGMENT_DEFINITION ? `${name}FragmentDoc` : `${name}Document`;
}

/** A document of codegen's `graphql.ts` by its export name, and its text as the dashboard sends it. */
export function readDocument(artifacts: string, name: string): { document: DocumentNode; body: string } {
  for (const [, exported, json] of readFileSync(artifacts, 'utf8').matchAll(EXPORTED)) {
    if (exported !== name) continue;
    const document = JSON.parse(json) as DocumentNode;
    return { document, body: print(document) };
  }
  throw new Error(`${name} is not in ${artifacts}: run \`npm run codegen\``);
}

/** `artifacts`: the absolute path of codegen's `graphql.ts` (the typed documents). */
export function graphqlDocuments(artifacts: string): Plugin {
  const artifactsDir = artifacts.replace(/[^/]*$/, '');
  return {
    name: 'lookout:graphql-documents',
    enforce: 'pre',
    transform(code, id) {
      if (!/\.tsx?$/.test(id) || id.includes('/node_modules/') || id.startsWith(artifactsDir) || !HAS_CALL.test(code)) return null;
      const names = new Set<string>();
      // The call's line breaks are kept so that line numbers in errors still match the source.
      const replaced = code.replace(CALL, (call, source: string) => {
        const name = exportName(source, id);
        names.add(name);
        return name + '\n'.repeat(call.split('\n').length - 1);
      });
      const imports = [...names].map((name) => `import ${name} from ${JSON.stringify(PREFIX + name)};`).join(' ');
      return { code: `${imports} ${replaced}`, map: null };
    },
    resolveId(id) {
      return id.startsWith(PREFIX) ? `\0${id}` : null;
    },
    load(id) {
      if (!id.startsWith(`\0${PREFIX}`)) return null;
      const name = id.slice(PREFIX.length + 1);
      this.addWatchFile(artifacts);
      const { document, body } = readDocument(artifacts, name);
      const loc = { start: 0, end: body.length, source: { body, name: 'GraphQL request', locationOffset: { line: 1, column: 1 } } };
      return `export default ${JSON.stringify({ ...document, loc })};`;
    },
  };
}
