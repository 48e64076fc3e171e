/**
 * Records keyed by names from outside (a config file's keys, headers, variables): `record[key] =
 * value` with the key `__proto__` sets the record's prototype instead of an entry (a string is
 * dropped silently), and `key in record` finds `constructor` or `toString` on the prototype. These
 * keep every key as the entry it is, so a validator sees it and refuses or passes it on.
 */

/** Sets `key` as an own, enumerable entry, whatever it is named. */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Whether `record` has `key` as its own entry (not one its prototype has). */
export const hasOwnKey = (record: object, key: string): boolean => Object.hasOwn(record, key);
