/**
 * CORS for the portal: a page served by the metadata service PUTs and GETs
 * bytes at the storage endpoints, another origin. Allowed origins are
 * [Storage] parameters.cors_origins, or by default the metadata service's own
 * (for a loopback or wildcard host, 127.0.0.1, localhost and [::1] on its
 * port). A request from any other origin gets no CORS header, and the browser
 * refuses it; a request without Origin (curl, the CADC client) gets none
 * either and is served as before. No credentials: an endpoint is a one-shot
 * signed URL, and a cookie would add nothing.
 */
import cors from 'cors';
import type { RequestHandler } from 'express';
import type { Config } from '../src/config';

const LOOPBACK_OR_ANY = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0', '::', '[::]']);

/** The origins a browser shows for the metadata service listening on `port` (its [Space] port unless given, as when that is 0). */
export function serviceOrigins(space: Config['space'], port = space.port): string[] {
  const scheme = space.useSsl ? 'https' : 'http';
  const hosts = LOOPBACK_OR_ANY.has(space.host) ? ['127.0.0.1', 'localhost', '[::1]'] : [space.host.includes(':') ? `[${space.host}]` : space.host];
  // Through URL, so a default port (80, 443) is left out as browsers leave it out.
  return hosts.map((h) => new URL(`${scheme}://${h}:${port}`).origin);
}

/** What the endpoints accept from a page, and what they let it read. */
const options = {
  // The request's origin, once checked below, is echoed back.
  origin: true,
  methods: ['GET', 'HEAD', 'PUT'],
  allowedHeaders: ['Content-Type', 'Content-MD5', 'Digest', 'Range'],
  exposedHeaders: ['Content-Length', 'Content-Range', 'ETag', 'Digest', 'Content-Disposition'],
  // Preflights are per endpoint URL, each used once: a cache helps little, but costs nothing.
  maxAge: 600,
};

/**
 * The CORS middleware, run before anything else answers (faults included, so
 * a page can read why an upload was refused). `allowed` is asked on each
 * request: the in-process storage server learns the service's port only
 * once that listens.
 */
export function storageCors(allowed: () => ReadonlySet<string>): RequestHandler {
  const handler = cors(options);
  return (req, res, next) => {
    res.vary('Origin');
    const origin = req.headers.origin;
    if (origin === undefined || !allowed().has(origin)) return next();
    return handler(req, res, next);
  };
}
