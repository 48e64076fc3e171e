/**
 * A fetch response's body read within bounds: what Lookout reads of another server's answer (an
 * alerting receiver's, an HTTP runtime's, the API's for `lookout maintenance`; an action quotes at
 * most so many characters, actions.ts) is at most so many bytes, the rest cancelled so that a
 * server streaming without end frees the connection.
 */

/**
 * At most `maxBytes` of `response`'s body as UTF-8 text (a character cut at the bound is replaced).
 * `waitMs`: the body is waited for this long at most, what came is kept. `keepOnError`: a body that
 * breaks off (a reset, an abort) keeps what was read instead of throwing.
 */
export async function readBoundedText(response: Response, maxBytes: number, { waitMs, keepOnError = false }: { waitMs?: number; keepOnError?: boolean } = {}): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Cancelling ends a pending read (done), and frees the connection from a server that streams forever.
  const timer = waitMs === undefined ? undefined : setTimeout(() => void reader.cancel().catch(() => {}), waitMs);
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = maxBytes - size;
      chunks.push(value.byteLength > room ? value.subarray(0, room) : value);
      size += Math.min(value.byteLength, room);
    }
  } catch (error) {
    if (!keepOnError) throw error;
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
