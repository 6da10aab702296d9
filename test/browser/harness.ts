/**
 * The portal in a real browser: the real service (its built web/dist at `/`)
 * on a fresh database, and the machine's Chromium driven by playwright-core.
 * No browser is ever downloaded: CHROMIUM_PATH, default /usr/bin/chromium
 * (Debian's `chromium`, which .ci/run installs); when it cannot start, the
 * suite fails.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { gqlOk } from '../helpers/gql';
import { startTestService, type TestService, type TestServiceOptions } from '../helpers/service';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WEB_DIST = path.join(__dirname, '..', '..', 'web', 'dist', 'index.html');

/** Flags this closed, shared machine needs (Playwright adds the headless and automation ones). */
const FLAGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Portal {
  svc: TestService;
  browser: Browser;
  /** An admin's bearer token, for setting up users and data through the API. */
  rootToken: string;
  /** Makes a user with a password (default `<name>-password-1`); returns its bearer token. */
  user(name: string, opts?: { admin?: boolean; groups?: string[]; password?: string }): Promise<string>;
  /** A new browser context (its own cookies) and page, signed in as `name` unless `signIn` is false. */
  open(name?: string, opts?: { path?: string }): Promise<{ context: BrowserContext; page: Page }>;
  /** POSTs a GraphQL operation with a bearer token; throws on errors. */
  gql<T = Record<string, unknown>>(token: string, query: string, variables?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

export const passwordOf = (name: string) => `${name}-password-1`;

export async function startPortal(opts: TestServiceOptions = {}): Promise<Portal> {
  if (!fs.existsSync(WEB_DIST)) throw new Error(`the portal is not built (${WEB_DIST} is missing): run npm run build`);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does) or set CHROMIUM_PATH`);
  const svc = await startTestService(opts);
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, chromiumSandbox: false, args: FLAGS, timeout: 30_000 });
  } catch (e) {
    await svc.close();
    throw e;
  }
  const rootToken = await svc.user('root', { admin: true });
  const gql = <T,>(token: string, query: string, variables: Record<string, unknown> = {}) => gqlOk<T>(svc, query, variables, token);
  const portal: Portal = {
    svc,
    browser,
    rootToken,
    gql,
    async user(name, o = {}) {
      const token = await svc.user(name, { admin: o.admin, groups: o.groups });
      await gql(rootToken, 'mutation($u: String!, $p: String!) { setPassword(user: $u, password: $p) }', { u: name, p: o.password ?? passwordOf(name) });
      return token;
    },
    async open(name, o = {}) {
      const context = await browser.newContext({ baseURL: svc.origin, acceptDownloads: true });
      const page = await context.newPage();
      await page.goto(o.path ?? '/');
      if (name) await signIn(page, name);
      return { context, page };
    },
    async close() {
      await browser.close().catch(() => {});
      await svc.close();
    },
  };
  return portal;
}

/** Signs in through the form, as a person would, and waits for the signed-in page. */
export async function signIn(page: Page, name: string, password = passwordOf(name)): Promise<void> {
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** A file of `size` bytes of a repeatable pattern, in a fresh temporary directory. */
export function tempFile(name: string, size: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vospace-browser-'));
  const file = path.join(dir, name);
  const block = Buffer.alloc(Math.min(size, 1 << 20));
  for (let i = 0; i < block.length; i++) block[i] = (i * 31 + name.length) & 0xff;
  const fd = fs.openSync(file, 'w');
  for (let done = 0; done < size; done += block.length) fs.writeSync(fd, block, 0, Math.min(block.length, size - done));
  fs.closeSync(fd);
  return file;
}

/** Where a test saves screenshots of the main views, when PORTAL_SCREENSHOTS names a directory (the README's come from there). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.PORTAL_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}
