/**
 * helmet's security headers on every response of both servers, faults and
 * 404s included (it runs first). Two choices differ from helmet's defaults:
 *
 * - Content-Security-Policy is `default-src 'none'`: nothing we serve (XML,
 *   JSON, text, stored bytes) needs to load anything, and a stored HTML file
 *   opened in a browser then runs no script on our origin. The one page that
 *   does load scripts, Apollo's GraphQL landing page, carries its own
 *   nonce-based CSP in a meta tag; a header beside it would block its CDN
 *   scripts (browsers enforce both), so that response gets no CSP header.
 * - Cross-Origin-Resource-Policy is `cross-origin`: portals on other origins
 *   show our bytes (<img src=…/files/…>, storage endpoints); `same-origin`
 *   would make browsers refuse them.
 *
 * The portal's own responses (its index.html and built assets, src/http/portal.ts)
 * get the portal's CSP instead (portalHeaders): scripts, styles and images
 * from 'self' only (images as data: URIs too), no plugins, no <base>, no
 * framing, forms to 'self', and connections to 'self' (GraphQL, its
 * WebSocket) and to the storage servers, where the page PUTs and GETs bytes.
 */
import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

const options = {
  crossOriginResourcePolicy: { policy: 'cross-origin' as const },
};

const strictCspOptions = {
  useDefaults: false,
  directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'self'"] },
};

const strict = helmet({ ...options, contentSecurityPolicy: strictCspOptions });
const landingPage = helmet({ ...options, contentSecurityPolicy: false });

/** Apollo serves its landing page to a GET that prefers HTML; any GET of /graphql accepting HTML is taken for one. */
const wantsLandingPage = (req: Request) => req.method === 'GET' && /^\/graphql\/?$/.test(req.path) && /text\/html/i.test(req.headers.accept ?? '');

export function securityHeaders(): RequestHandler {
  return (req, res, next) => (wantsLandingPage(req) ? landingPage : strict)(req, res, next);
}

const strictCsp = helmet.contentSecurityPolicy(strictCspOptions);

const portalCsp = helmet.contentSecurityPolicy({
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: [(_req, res) => ["'self'", ...((res as Response).locals.connectTo as string[])].join(' ')],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    frameAncestors: ["'none'"],
    formAction: ["'self'"],
  },
});

/**
 * Runs `serve` (which answers with the portal's files) under the portal's
 * CSP, connections allowed to the origins `connectTo` gives; whatever `serve`
 * passes on (a file that is not there) gets the strict CSP back.
 */
export function portalHeaders(connectTo: () => Promise<string[]>, serve: RequestHandler): RequestHandler {
  return async (req, res, next) => {
    try {
      res.locals.connectTo = await connectTo();
    } catch (e) {
      return next(e);
    }
    portalCsp(req, res, () => serve(req, res, (err?: unknown) => strictCsp(req, res, () => next(err))));
  };
}
