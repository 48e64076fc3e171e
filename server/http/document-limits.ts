/**
 * Bounds a GraphQL document before graphql-js parses it. graphql-js parses recursively (about 2,000
 * nested brackets overflow the stack, and a 10,000-deep query came back as INTERNAL_SERVER_ERROR)
 * and its parse and validation time grows with the tokens (50,000 directives took 1.8 s), so a
 * document with more tokens or deeper nesting than any real query is refused as a syntax error.
 */
import { GraphQLError, Lexer, Source, TokenKind, type ParseOptions } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * The dashboard's largest query has about 110 tokens and the introspection query about 190. Within
 * 1,000 tokens the worst document found (one field repeated: graphql-js compares each pair for
 * merging) takes about 0.1 s; 5,000 took about 1 s. The depth limit (12) keeps real queries far
 * below 64 nested brackets, braces and parentheses.
 */
export const DOCUMENT_LIMITS = { maxTokens: 1000, maxNesting: 64 } as const;

const OPENING: ReadonlySet<string> = new Set([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING: ReadonlySet<string> = new Set([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

function limitError(message: string): GraphQLError {
  return new GraphQLError(`Syntax Error: ${message}`, { extensions: { code: 'GRAPHQL_PARSE_FAILED', http: { status: 400 } } });
}

/**
 * Why the document is refused, or null. One pass of graphql-js's own lexer (which does not recurse),
 * stopping at the first token past a limit; a lexical error is left for the parser to report.
 */
export function documentLimitError(document: string): GraphQLError | null {
  const lexer = new Lexer(new Source(document));
  let tokens = 0;
  let nesting = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++tokens > DOCUMENT_LIMITS.maxTokens) return limitError(`Token limit of ${DOCUMENT_LIMITS.maxTokens} exceeded; pass large values as variables.`);
      if (OPENING.has(token.kind) && ++nesting > DOCUMENT_LIMITS.maxNesting) {
        return limitError(`Nesting limit of ${DOCUMENT_LIMITS.maxNesting} exceeded (brackets, braces and parentheses inside each other).`);
      }
      if (CLOSING.has(token.kind)) nesting--;
    }
  } catch {
    return null;
  }
  return null;
}

/** Checks every document parsed through yoga's envelope: HTTP and WebSocket operations alike. */
export function useDocumentLimits(): Plugin {
  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source: string | Source, options?: ParseOptions) => {
        const error = documentLimitError(typeof source === 'string' ? source : source.body);
        if (error) throw error;
        return parseFn(source, options);
      });
    },
  };
}
