/**
 * A log file's last lines and its new ones, in bounded memory: the tail is read backwards from the
 * end in chunks until enough lines are found (a 1 GB log costs a few chunks, not 1 GB), and a
 * follower polls the file for appended bytes, starting over when it is truncated or rotated.
 */
import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { LineBuffer, TRUNCATED } from '../runtimes/line-buffer.ts';
import { delay } from '../runtimes/runtime.ts';

/** The longest line kept; longer ones are cut and marked. */
export const MAX_LINE_LENGTH = 4096;
const CHUNK = 64 * 1024;

export interface FileTail {
  lines: string[];
  /** Bytes read to find them: bounded by the lines asked for, not by the file's size. */
  bytesRead: number;
}

/** A log file opened for reading only, refusing what is not a regular file (a FIFO would block). */
async function openLog(file: string): Promise<FileHandle> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!(await handle.stat()).isFile()) throw Object.assign(new Error(`${file} is not a regular file`), { code: 'ENOTFILE' });
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

const cut = (line: string) => (line.length > MAX_LINE_LENGTH ? line.slice(0, MAX_LINE_LENGTH) + TRUNCATED : line);

/**
 * The last `count` lines of `file`. Reads backwards in 64 KiB chunks and stops once `count` whole
 * lines are in hand, or after `count` × (MAX_LINE_LENGTH + 1) bytes plus a chunk: past that, the
 * lines are longer than kept anyway, and the earliest (partial) one is dropped.
 */
export async function tailFile(file: string, count: number): Promise<FileTail> {
  const handle = await openLog(file);
  try {
    const size = (await handle.stat()).size;
    const budget = count * (MAX_LINE_LENGTH * 4 + 1) + CHUNK; // UTF-8: up to 4 bytes a character
    const chunks: Buffer[] = [];
    let position = size;
    let newlines = 0;
    let bytesRead = 0;
    // A final newline ends the last line; it does not start an empty one.
    let skipFinal = false;
    while (position > 0 && bytesRead < budget) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const chunk = Buffer.allocUnsafe(length);
      const { bytesRead: read } = await handle.read(chunk, 0, length, position);
      bytesRead += read;
      const piece = chunk.subarray(0, read);
      if (position + length === size && piece.at(-1) === 0x0a) skipFinal = true;
      chunks.unshift(piece);
      for (const byte of piece) if (byte === 0x0a) newlines++;
      if (newlines - (skipFinal ? 1 : 0) > count) break;
    }
    let text = Buffer.concat(chunks).toString('utf8');
    if (skipFinal) text = text.slice(0, -1);
    const lines = text.split('\n');
    // The first piece is a whole line only when the start of the file was reached.
    if (position > 0) lines.shift();
    return { lines: lines.slice(-count).map((l) => cut(l.replace(/\r$/, ''))), bytesRead };
  } finally {
    await handle.close();
  }
}

export interface FollowedLines {
  lines: string[];
  /** The file was truncated or replaced (rotated): reading started again from its beginning. */
  rotated: boolean;
}

export interface FollowOptions {
  pollMs: number;
  /** The most bytes read per poll: a burst beyond it is skipped to its last bytes, said so in a line. */
  maxBytesPerPoll?: number;
}

/**
 * Yields the lines appended to `file` from now on, polled every `pollMs`, until `signal` aborts.
 * The first chunk has no lines: it says where "now" is has been taken, so that a reader who reads
 * the file's last lines after it misses nothing between the two (it may see a line in both).
 * Truncation (size below what was read) and rotation (another file at the path) start over from the
 * new file's beginning; a missing file is waited for. Lines are cut at MAX_LINE_LENGTH.
 */
export async function* followFile(file: string, options: FollowOptions, signal: AbortSignal): AsyncGenerator<FollowedLines> {
  const maxBytes = options.maxBytesPerPoll ?? 1024 * 1024;
  const initial = await stat(file).catch(() => null);
  let inode = initial?.ino ?? null;
  let position = initial?.size ?? 0;
  let decoder = new StringDecoder('utf8');
  let buffer = new LineBuffer(1000, MAX_LINE_LENGTH);
  let seen = 0;
  yield { lines: [], rotated: false };
  while (!signal.aborted) {
    try {
      await delay(options.pollMs, signal);
    } catch {
      return;
    }
    const now = await stat(file).catch(() => null);
    if (!now) continue; // between a rotation's rename and the new file's creation
    let rotated = false;
    const notes: string[] = [];
    if (inode !== null && (now.ino !== inode || now.size < position)) {
      rotated = true;
      position = 0;
      decoder = new StringDecoder('utf8');
      buffer = new LineBuffer(1000, MAX_LINE_LENGTH);
      seen = 0;
    }
    if (inode === null) position = 0; // it did not exist when following began: all of it is new
    inode = now.ino;
    if (now.size > position) {
      if (now.size - position > maxBytes) {
        notes.push(`…[${now.size - position - maxBytes} bytes skipped]`);
        position = now.size - maxBytes;
      }
      let handle: FileHandle;
      try {
        handle = await openLog(file);
      } catch {
        continue;
      }
      try {
        const chunk = Buffer.allocUnsafe(Math.min(CHUNK, now.size - position));
        while (position < now.size) {
          const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, now.size - position), position);
          if (bytesRead === 0) break;
          position += bytesRead;
          buffer.write(decoder.write(chunk.subarray(0, bytesRead)));
        }
      } finally {
        await handle.close();
      }
    }
    const fresh = buffer.total - seen;
    seen = buffer.total;
    const lines = [...notes, ...buffer.tail(Math.min(fresh, buffer.capacity))];
    if (lines.length || rotated) yield { lines, rotated };
  }
}
