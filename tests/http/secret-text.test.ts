/**
 * server/secret-text.ts on its own: what it masks, and that hostile text — a long run of letters
 * before `://`, many `://` in one word, many `@` — is read once, not from each of its positions
 * (regression, found in the last look: the first form of its URL pattern was quadratic, so a check's
 * error or a config entry of 200 KB would have held the event loop for minutes).
 */
import { describe, expect, it } from 'vitest';
import { maskCredentials, maskOptions, maskTarget, targetSecrets } from '../../server/secret-text.ts';

describe('secret-text', () => {
  it('masks passwords as written, credential-named query values and options', () => {
    expect(maskTarget('postgres://mon:Sup3r^Secret@127.0.0.1:5432/db')).toBe('postgres://mon:[redacted]@127.0.0.1:5432/db');
    expect(maskTarget('postgres://mon:p@ssW0rdXYZ@127.0.0.1/app')).toBe('postgres://mon:[redacted]@127.0.0.1/app');
    expect(maskTarget('http://u:p@host/a@b')).toBe('http://u:[redacted]@host/a@b');
    expect(maskTarget('http://127.0.0.1:9/h?token=QQ&verbose=1')).toBe('http://127.0.0.1:9/h?token=[redacted]&verbose=1');
    expect(maskTarget('/bin/echo --db postgres://mon:Pw456@127.0.0.1/app')).toBe('/bin/echo --db postgres://mon:[redacted]@127.0.0.1/app');
    expect(maskTarget('host:6379')).toBe('host:6379');
    expect(maskOptions({ args: ['postgres://m:ArgsPw@h/a'], headers: { 'X-Access-Key': 'k', Accept: 'x' } })).toEqual({ args: ['postgres://m:[redacted]@h/a'], headers: { 'X-Access-Key': '[redacted]', Accept: 'x' } });
    expect(targetSecrets('postgres://mon:Sup3r^Secret@127.0.0.1/db', {})).toEqual(expect.arrayContaining(['Sup3r^Secret']));
  });

  it('reads hostile text of 200,000 characters once', () => {
    const n = 200_000;
    const letters = `@ ${'a'.repeat(n)}://u:x`;
    expect(maskCredentials(letters)).toBe(letters);
    const schemes = `@${'a://u:'.repeat(n / 6)}`;
    expect(maskCredentials(schemes)).toBe(schemes);
    // No host ends it within a password's 512 characters: not read as one.
    const ats = `a://u:${'p@'.repeat(n / 2)}`;
    expect(maskCredentials(ats)).toBe(ats);
  });
});
