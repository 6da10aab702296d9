/**
 * The web portal, built by `npm run build` into web/dist ([Space]
 * parameters.web_root), served at `/`: its files as they are (hashed assets
 * under /assets/ cached for a year, never revalidated; anything else, such as
 * index.html, revalidated each time), and index.html for any other page a
 * browser asks for (GET or HEAD naming text/html in Accept, outside
 * /vospace, /graphql, /reg and /assets), so that client-side routes such as
 * /browse/alice/data can be reloaded and linked to. Under the portal's CSP
 * (src/http/securityHeaders.ts), which lets the page reach the storage
 * servers.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { type Request, type RequestHandler } from 'express';
import { logger } from '../log';
import type { Services } from '../services/context';
import { portalHeaders } from './securityHeaders';

/** Paths that are never the portal's pages. */
const NOT_PAGES = ['/vospace', '/graphql', '/reg', '/assets'];

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/**
 * A page a browser asks for (a GET or HEAD: nothing else comes here): it
 * names text/html in Accept, as browsers do for a page. Any type alone (curl,
 * scripts) is not taken for it, so they keep 404s and the plain-text `/`.
 */
const isPage = (req: Request) =>
  !NOT_PAGES.some((p) => req.path === p || req.path.startsWith(`${p}/`)) && /\btext\/html\b/i.test(req.headers.accept ?? '') && req.accepts('html') === 'html';

/** The origins of the live storage servers' URLs: where the page sends and fetches bytes. */
async function storageOrigins(svc: Services): Promise<string[]> {
  // live() is cached for a few seconds by the directory.
  const servers = await svc.storageServers.live();
  return [...new Set(servers.map((s) => new URL(s.url).origin))];
}

/** The portal's handler, or undefined (logged once) when web_root holds no index.html: `/` then stays the plain-text answer. */
export function portal(svc: Services): RequestHandler | undefined {
  const root = svc.space.webRoot;
  const index = path.join(root, 'index.html');
  if (!fs.existsSync(index)) {
    logger.info({ webRoot: root }, 'the web portal is not built (no index.html in web_root): / answers in plain text; npm run build makes it');
    return undefined;
  }
  const assets = path.join(root, 'assets') + path.sep;
  const files = express.static(root, {
    index: false,
    redirect: false,
    setHeaders: (res, file) => res.setHeader('Cache-Control', file.startsWith(assets) ? IMMUTABLE : REVALIDATE),
  });
  const serve: RequestHandler = (req, res, next) =>
    files(req, res, (err?: unknown) => {
      if (err || !isPage(req)) return next(err);
      res.sendFile(index, { headers: { 'Cache-Control': REVALIDATE } }, (e) => e && next(e));
    });
  const withHeaders = portalHeaders(() => storageOrigins(svc), serve);
  return (req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? withHeaders(req, res, next) : next());
}
