/**
 * The web portal served at `/` from its build ([Space] parameters.web_root,
 * here a folder made for the test): hashed assets cached for good, index.html
 * revalidated, index.html for any page a browser asks for outside the APIs
 * (client-side routes), the APIs' own answers and 404s untouched, the portal's
 * CSP (with the storage server's origin in connect-src) on its responses and
 * the strict one on everything else. Without a build, `/` is the plain text
 * it always was.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request, type Reply } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-3f9a1c.js"></script></head><body><div id="app"></div></body></html>\n';
const SCRIPT = 'console.log("portal");\n';
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

/** The directives of a Content-Security-Policy header, by name. */
function csp(r: Reply): Record<string, string> {
  const header = r.headers.get('content-security-policy') ?? '';
  return Object.fromEntries(
    header
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name, values.join(' ')];
      }),
  );
}

const STRICT = { 'default-src': "'none'", 'base-uri': "'none'", 'form-action': "'none'", 'frame-ancestors': "'self'" };

function makeBuild(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vospace-web-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), INDEX);
  fs.writeFileSync(path.join(dir, 'assets', 'index-3f9a1c.js'), SCRIPT);
  fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  fs.writeFileSync(path.join(dir, '.env'), 'SECRET=1\n');
  return dir;
}

describe('with the portal built', () => {
  let t: TestService;
  let web: string;
  let portalCsp: Record<string, string>;

  beforeAll(async () => {
    web = makeBuild();
    t = await startTestService({ parameters: { web_root: web } });
    portalCsp = {
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self' data:",
      'connect-src': `'self' ${new URL(t.running.storage!.url).origin}`,
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
      'form-action': "'self'",
    };
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(web, { recursive: true, force: true });
  });

  test('/ is index.html, revalidated each time, under the portal’s CSP (connections to the storage server allowed)', async () => {
    const r = await request('GET', `${t.origin}/`, { headers: HTML });
    expect(r.status).toBe(200);
    expect(r.text).toBe(INDEX);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.headers.get('cache-control')).toBe('no-cache');
    expect(csp(r)).toEqual(portalCsp);
    // The other security headers stay.
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test.each(['/browse/x', '/browse/alice/data', '/admin/users', '/jobs', '/tokens', '/browse/a%20b/%C3%A9'])('%s (a client-side route) is index.html', async (p) => {
    const r = await request('GET', `${t.origin}${p}`, { headers: HTML });
    expect({ status: r.status, body: r.text, cache: r.headers.get('cache-control') }).toEqual({ status: 200, body: INDEX, cache: 'no-cache' });
    expect(csp(r)).toEqual(portalCsp);
    const head = await request('HEAD', `${t.origin}${p}`, { headers: HTML });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(INDEX)));
  });

  test('a hashed asset: served with a long immutable cache and the portal’s CSP', async () => {
    const r = await request('GET', `${t.origin}/assets/index-3f9a1c.js`);
    expect(r.status).toBe(200);
    expect(r.text).toBe(SCRIPT);
    expect(r.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(csp(r)).toEqual(portalCsp);
  });

  test('another file of the build (favicon) is served, revalidated; dotfiles are not', async () => {
    const r = await request('GET', `${t.origin}/favicon.svg`);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-cache');
    const dot = await request('GET', `${t.origin}/.env`, { headers: { accept: '*/*' } });
    expect(dot.text).not.toContain('SECRET');
  });

  test('an asset that is not there is 404 NotFound with the strict CSP, even for a browser', async () => {
    for (const p of ['/assets/gone-123.js', '/assets/', '/assets/..%2f..%2fpackage.json']) {
      const r = await request('GET', `${t.origin}${p}`, { headers: HTML });
      expect({ p, status: r.status }).toEqual({ p, status: 404 });
      expect(r.text).toMatch(/^NotFound: /);
      expect(csp(r)).toEqual(STRICT);
    }
  });

  test('the APIs answer as before: unknown /vospace paths are 404, /reg and capabilities keep the strict CSP', async () => {
    for (const p of ['/vospace/nope', '/vospace/nodes-x', '/reg/nope']) {
      const r = await request('GET', `${t.origin}${p}`, { headers: HTML });
      expect({ p, status: r.status, index: r.text === INDEX }).toEqual({ p, status: 404, index: false });
      expect(csp(r)).toEqual(STRICT);
    }
    const caps = await request('GET', `${t.origin}/vospace/capabilities`, { headers: HTML });
    expect(caps.status).toBe(200);
    expect(caps.text).toContain('capabilities');
    expect(csp(caps)).toEqual(STRICT);
    const reg = await request('GET', `${t.origin}/reg/resource-caps`, { headers: HTML });
    expect(reg.status).toBe(200);
    expect(csp(reg)).toEqual(STRICT);
  });

  test('what is not a browser asking for a page is not given index.html', async () => {
    const json = await request('GET', `${t.origin}/browse/x`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(404);
    expect(csp(json)).toEqual(STRICT);
    const post = await request('POST', `${t.origin}/browse/x`, { headers: HTML, body: 'x' });
    expect(post.status).toBe(404);
    expect(csp(post)).toEqual(STRICT);
    // `/` for a client that does not name text/html (curl sends */*): what this service is; other paths 404.
    for (const accept of ['text/plain', '*/*', 'text/html;q=0, */*']) {
      const text = await request('GET', `${t.origin}/`, { headers: { accept } });
      expect({ accept, status: text.status, body: text.text.slice(0, 20) }).toEqual({ accept, status: 200, body: 'VOSpace 2.1 service ' });
      expect(csp(text)).toEqual(STRICT);
      expect((await request('GET', `${t.origin}/browse/x`, { headers: { accept } })).status).toBe(404);
    }
  });
});

describe('without a build', () => {
  let t: TestService;
  let empty: string;

  beforeAll(async () => {
    empty = fs.mkdtempSync(path.join(os.tmpdir(), 'vospace-web-empty-'));
    t = await startTestService({ parameters: { web_root: empty } });
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(empty, { recursive: true, force: true });
  });

  test('/ is the plain-text answer, with the strict CSP; pages are 404', async () => {
    const r = await request('GET', `${t.origin}/`, { headers: HTML });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(r.text).toBe('VOSpace 2.1 service "vospace": REST at /vospace, GraphQL at /graphql\n');
    expect(csp(r)).toEqual(STRICT);
    const page = await request('GET', `${t.origin}/browse/x`, { headers: HTML });
    expect(page.status).toBe(404);
  });
});
