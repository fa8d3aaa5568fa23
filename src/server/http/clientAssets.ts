/**
 * The built client files (`dist/client`: the stylesheet, the favicon, the few scripts in `_astro/`), served from
 * memory. They are a handful of small files fixed at build time, so they are read once when the server starts and
 * answered without touching the disk: no per-request stat, no file stream, nothing queued behind other disk work
 * (an export copying hundreds of pictures). Everything else goes on to the site.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

/** One client file, ready to send. */
interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
}

export interface ClientAssets {
  /** Answers a GET or HEAD of a client file and returns true; returns false for anything else. */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
  /** The file at a URL path (`/styles/potluck.css`), for the static export. */
  get(pathname: string): { body: Buffer; type: string } | undefined;
}

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.pdf': 'application/pdf',
};

/** The file a request path names: percent-escapes decoded, as a browser encodes `/styles/my file.css`; null if broken. */
function filePath(raw: string): string | null {
  const query = raw.indexOf('?');
  const pathname = query < 0 ? raw : raw.slice(0, query);
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}

// The client folder holds a few kilobytes; a limit keeps a mistaken build from filling memory.
const MAX_TOTAL_BYTES = 32 * 1024 * 1024;

function walk(folder: string, prefix: string, into: Map<string, Asset>, total: { bytes: number }): void {
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    const url = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      walk(full, url, into, total);
      continue;
    }
    if (!entry.isFile() || entry.name.startsWith('.')) continue;
    const body = fs.readFileSync(full);
    total.bytes += body.byteLength;
    if (total.bytes > MAX_TOTAL_BYTES) throw new Error(`${folder} holds more than ${MAX_TOTAL_BYTES / 2 ** 20} MB of client files; check the build.`);
    into.set(url, {
      body,
      type: TYPES[path.extname(entry.name).toLowerCase()] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      // Files under _astro/ have a content hash in their name. The others keep their name across builds, so a browser
      // asks each time (a 304 with the ETag): after an upgrade, new pages never meet an old stylesheet.
      cacheControl: url.startsWith('/_astro/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  }
}

/**
 * Reads the client files of a build (`dist/client`) into memory. `securityHeaders` go on every answer (200 and 304
 * alike), as on the site's own responses.
 */
export function loadClientAssets(clientDir: string, securityHeaders: Record<string, string> = {}): ClientAssets {
  const assets = new Map<string, Asset>();
  if (fs.existsSync(clientDir)) walk(clientDir, '', assets, { bytes: 0 });
  return {
    serve(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      const name = filePath(req.url ?? '');
      // A map lookup: only the files read at start-up can answer, whatever the path spells (`..`, `//`).
      const asset = name === null ? undefined : assets.get(name);
      if (!asset) return false;
      const headers: Record<string, string> = {
        ...securityHeaders,
        'content-type': asset.type,
        'cache-control': asset.cacheControl,
        etag: asset.etag,
        'x-content-type-options': 'nosniff',
      };
      const match = req.headers['if-none-match'];
      if (match && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === asset.etag)) {
        res.writeHead(304, headers);
        res.end();
        return true;
      }
      headers['content-length'] = String(asset.body.byteLength);
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : asset.body);
      return true;
    },
    get(pathname) {
      const asset = assets.get(pathname);
      return asset && { body: asset.body, type: asset.type };
    },
  };
}

/** `dist/client` beside a build's server entry (`dist/server/entry.mjs`). */
export function clientDirOf(entry: string): string {
  return path.join(path.dirname(entry), '..', 'client');
}
