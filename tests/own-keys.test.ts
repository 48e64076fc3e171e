/** Keys from outside named like Object.prototype's properties are entries like any other. */
import { describe, expect, it } from 'vitest';
import { parseCookies } from '../server/http/cookies.ts';
import { parseRuntimeEntry } from '../server/runtimes/config-file.ts';
import { hasOwnKey, setOwn } from '../server/own-keys.ts';

describe('keys named like Object.prototype properties', () => {
  it('setOwn keeps __proto__ as an entry, leaving the prototype alone', () => {
    const record: Record<string, unknown> = {};
    setOwn(record, '__proto__', { polluted: true });
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record)).toEqual(['__proto__']);
    expect(JSON.parse(JSON.stringify(record))).toEqual(JSON.parse('{"__proto__":{"polluted":true}}'));
    expect(hasOwnKey({}, 'constructor')).toBe(false);
  });

  it('a process runtime passes on a variable named __proto__ (regression: it was dropped silently)', () => {
    const runtime = parseRuntimeEntry({ name: 'w', kind: 'process', command: '/bin/true', env: JSON.parse('{"__proto__": "1", "constructor": "2"}') });
    expect(Object.entries(runtime.settings.env as object)).toEqual([['__proto__', '1'], ['constructor', '2']]);
  });

  it('reads cookies named __proto__ or constructor as cookies (regression: `constructor` was taken as already set, `__proto__` dropped)', () => {
    const cookies = parseCookies('constructor=a; __proto__=b; lookout_session=s%20t');
    expect(cookies.constructor).toBe('a');
    expect(Object.keys(cookies)).toEqual(['constructor', '__proto__', 'lookout_session']);
    expect(cookies.lookout_session).toBe('s t');
    expect(parseCookies('toString=1').lookout_session).toBeUndefined();
  });
});
