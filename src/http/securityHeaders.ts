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
 */
import type { Request, RequestHandler } from 'express';
import helmet from 'helmet';

const options = {
  crossOriginResourcePolicy: { policy: 'cross-origin' as const },
};

const strict = helmet({
  ...options,
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'self'"] },
  },
});
const landingPage = helmet({ ...options, contentSecurityPolicy: false });

/** Apollo serves its landing page to a GET that prefers HTML; any GET of /graphql accepting HTML is taken for one. */
const wantsLandingPage = (req: Request) => req.method === 'GET' && /^\/graphql\/?$/.test(req.path) && /text\/html/i.test(req.headers.accept ?? '');

export function securityHeaders(): RequestHandler {
  return (req, res, next) => (wantsLandingPage(req) ? landingPage : strict)(req, res, next);
}
