/** Turns urql's CombinedError into what a form shows: the server's sentence, its code and field. */
import type { CombinedError } from '@urql/core';

export interface FormError {
  message: string;
  /** `extensions.code`: BAD_USER_INPUT, CONFLICT, FORBIDDEN, RATE_LIMITED, … */
  code?: string;
  /** `extensions.field` of BAD_USER_INPUT (and some CONFLICT) errors. */
  field?: string;
}

export const UNREACHABLE_MESSAGE = 'Lookout is unreachable right now; try again when it is back.';

export function formError(error: CombinedError | undefined | null): FormError | null {
  if (!error) return null;
  if (error.networkError) return { message: UNREACHABLE_MESSAGE, code: 'NETWORK' };
  const first = error.graphQLErrors[0];
  if (!first) return { message: error.message };
  const { code, field } = first.extensions ?? {};
  return {
    message: first.message,
    code: typeof code === 'string' ? code : undefined,
    field: typeof field === 'string' ? field : undefined,
  };
}
