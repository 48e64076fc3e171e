/** Serves the built dashboard from dist/client, with index.html for client-side routes. */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** The decoded path, or null when its percent-encoding is not UTF-8 (`/%ff`) or it holds a NUL. */
function decodedPath(url: URL): string | null {
  try {
    const decoded = decodeURIComponent(url.pathname);
    return decoded.includes('\0') ? null : decoded;
  } catch {
    return null;
  }
}

export function serveClient(clientDir: string, url: URL, req: IncomingMessage, res: ServerResponse): void {
  const index = path.join(clientDir, 'index.html');
  if (!existsSync(index)) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('The dashboard is not built yet: run `npm run build:client` (npm start does it for you).\n');
    return;
  }
  const urlPath = decodedPath(url);
  if (urlPath === null) {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Bad request: the path is not valid percent-encoded UTF-8, or holds a NUL.\n');
    return;
  }
  const candidate = path.normalize(path.join(clientDir, urlPath));
  const isAsset = candidate.startsWith(clientDir + path.sep) && existsSync(candidate) && statSync(candidate).isFile();
  const file = isAsset ? candidate : index;
  const immutable = isAsset && urlPath.startsWith('/assets/');
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(file === index && { 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' }),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // The file can vanish between the check and the read (a rebuild of the dashboard): the answer
  // is cut short, and a read error never reaches the process.
  pipeline(createReadStream(file), res).catch(() => res.destroy());
}
