/** The parsed-document cache is bounded by the size of the documents it keeps, not only their count. */
import { describe, expect, it } from 'vitest';
import { DocumentCache, MAX_CACHED_CHARS, MAX_CACHED_DOCUMENT_CHARS, MAX_CACHED_DOCUMENTS } from '../../server/http/document-cache.ts';

describe('DocumentCache', () => {
  it('does not keep a document longer than the cached maximum (regression: 650 distinct 3 MB documents exhausted the heap)', () => {
    const cache = new DocumentCache<string>();
    const big = `{ __type(name: "${'x'.repeat(MAX_CACHED_DOCUMENT_CHARS)}") { name } }`;
    cache.set(big, 'parsed');
    expect(cache.get(big)).toBeUndefined();
    expect(cache.chars).toBe(0);
  });

  it('keeps at most MAX_CACHED_CHARS of documents in all, dropping the least recently used', () => {
    const cache = new DocumentCache<number>();
    const doc = (i: number) => `{ a${i}: __typename ${'#'.repeat(MAX_CACHED_DOCUMENT_CHARS - 40)} }`;
    const fit = Math.floor(MAX_CACHED_CHARS / doc(0).length);
    for (let i = 0; i < fit; i++) cache.set(doc(i), i);
    expect(cache.get(doc(0))).toBe(0); // used: now the most recent
    for (let i = fit; i < fit + 10; i++) cache.set(doc(i), i);
    expect(cache.chars).toBeLessThanOrEqual(MAX_CACHED_CHARS);
    expect(cache.get(doc(0))).toBe(0);
    expect(cache.get(doc(1))).toBeUndefined();
    expect(cache.get(doc(fit + 9))).toBe(fit + 9);
  });

  it('keeps at most MAX_CACHED_DOCUMENTS small documents', () => {
    const cache = new DocumentCache<number>();
    for (let i = 0; i < MAX_CACHED_DOCUMENTS + 50; i++) cache.set(`{ a${i}: __typename }`, i);
    expect(cache.size).toBe(MAX_CACHED_DOCUMENTS);
    expect(cache.get('{ a0: __typename }')).toBeUndefined();
    expect(cache.get(`{ a${MAX_CACHED_DOCUMENTS + 49}: __typename }`)).toBe(MAX_CACHED_DOCUMENTS + 49);
  });
});
