/**
 * The parsed-document cache of graphql-yoga, bounded by the size of what it holds and not only by
 * count: yoga's default keeps 1,000 documents whatever their size, so 650 distinct 3 MB documents
 * (one long string literal each, within the body and token limits) exhausted the heap. A document
 * longer than MAX_CACHED_DOCUMENT_CHARS is parsed each time instead of being kept.
 */

/** Documents longer than this are not cached (the dashboard's longest query is about 3,000 characters). */
export const MAX_CACHED_DOCUMENT_CHARS = 64 * 1024;
/** At most this many characters of documents are cached in all (a parsed document costs a few times its text). */
export const MAX_CACHED_CHARS = 2 * 1024 * 1024;
export const MAX_CACHED_DOCUMENTS = 250;

/** A least-recently-used map from a document's text, bounded by count and by the total length of the texts. */
export class DocumentCache<T> {
  readonly #entries = new Map<string, T>();
  #chars = 0;

  get(key: string): T | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key); // most recently used last
    this.#entries.set(key, value);
    return value;
  }

  set(key: string, value: T): void {
    if (key.length > MAX_CACHED_DOCUMENT_CHARS) return;
    if (this.#entries.delete(key)) this.#chars -= key.length;
    this.#entries.set(key, value);
    this.#chars += key.length;
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= MAX_CACHED_DOCUMENTS && this.#chars <= MAX_CACHED_CHARS) break;
      this.#entries.delete(oldest);
      this.#chars -= oldest.length;
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  get chars(): number {
    return this.#chars;
  }
}
