/**
 * Shape checks for event payloads that come from outside the process (Redis): each says what is
 * wrong, naming the field, or null when the value fits. Hand-written and tiny, since every message
 * of every channel goes through one; fields a check does not name are let through (a newer replica
 * may add some).
 */

/** A check of one value: null when it fits, otherwise what is wrong (`checks[3].status is a number, not one of …`). */
export interface Shape<T> {
  (value: unknown, path: string): string | null;
  /** Type only: what a value that passes is. */
  readonly __type?: T;
}

const shape = <T>(check: (value: unknown, path: string) => string | null): Shape<T> => check as Shape<T>;

/** What a value is, in a few words, never quoting it (it may be long, or made to mislead a log reader). */
function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  return `${/^[aeiou]/.test(typeof value) ? 'an' : 'a'} ${typeof value}`;
}

const fails = (path: string, value: unknown, expected: string) =>
  value === undefined ? `${path || 'the payload'} is missing (${expected})` : `${path || 'the payload'} is ${kind(value)}, not ${expected}`;

export const string = shape<string>((v, p) => (typeof v === 'string' ? null : fails(p, v, 'a string')));
export const boolean = shape<boolean>((v, p) => (typeof v === 'boolean' ? null : fails(p, v, 'true or false')));
export const integer = shape<number>((v, p) => (Number.isSafeInteger(v) ? null : fails(p, v, 'a whole number')));
/** An instant as the API writes it (`Date.prototype.toISOString`). */
export const instant = shape<string>((v, p) => (typeof v === 'string' && v.length <= 30 && !Number.isNaN(Date.parse(v)) ? null : fails(p, v, 'an ISO instant')));

export function oneOf<const V extends readonly string[]>(...values: V): Shape<V[number]> {
  return shape((v, p) => (typeof v === 'string' && values.includes(v) ? null : fails(p, v, `one of ${values.join(', ')}`)));
}

export function nullable<T>(inner: Shape<T>): Shape<T | null> {
  return shape((v, p) => (v === null ? null : inner(v, p)));
}

export function optional<T>(inner: Shape<T>): Shape<T | undefined> {
  return shape((v, p) => (v === undefined ? null : inner(v, p)));
}

export function arrayOf<T>(item: Shape<T>): Shape<T[]> {
  return shape((v, p) => {
    if (!Array.isArray(v)) return fails(p, v, 'a list');
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], `${p}[${i}]`);
      if (problem) return problem;
    }
    return null;
  });
}

/** A JSON object with (at least) these fields; the mapped type makes the check name every field of `T`. */
export function object<T extends object>(fields: { readonly [K in keyof T]-?: Shape<T[K]> }): Shape<T> {
  const entries = Object.entries(fields) as [string, Shape<unknown>][];
  return shape((v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fails(p, v, 'an object');
    for (const [name, check] of entries) {
      // Own fields only: `constructor` or `__proto__` must not be found on the prototype.
      const value = Object.hasOwn(v, name) ? (v as Record<string, unknown>)[name] : undefined;
      const problem = check(value, p ? `${p}.${name}` : name);
      if (problem) return problem;
    }
    return null;
  });
}
