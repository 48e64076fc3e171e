/**
 * The command line's options, parsed by node:util's parseArgs with one rule more: an option that
 * takes one value refuses to be given twice (parseArgs keeps the last: `--role viewer --role admin`
 * made an admin token).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export function parseOptions<const T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = false) {
  const parsed = parseArgs({ args, options, allowPositionals, tokens: true });
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option' || options[token.name]?.multiple) continue;
    if (seen.has(token.name)) throw new Error(`--${token.name} was given twice; give it once.`);
    seen.add(token.name);
  }
  return parsed;
}
