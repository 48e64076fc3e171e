/** The schema as committed in schema.graphql: printed, types and fields sorted. */
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './index.ts';

export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
