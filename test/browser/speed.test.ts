/**
 * Issue 11, item 7: the browse view of a 10 000-child container shows its
 * first page in under 300 ms (service on PostgreSQL under npm run
 * test:browser), with one GraphQL request for the view. The figures are
 * logged for the README.
 */
import type { Page } from 'playwright-core';
import { screenshot, startPortal, type Portal } from './harness';

const CHILDREN = 10_000;
const LIMIT_MS = 300;

let portal: Portal;
let page: Page;

beforeAll(async () => {
  portal = await startPortal();
  const alice = await portal.user('alice');
  await portal.gql(alice, 'mutation { createNode(path: "alice/big") { id } }');
  // The children straight into the tables (through the API this would take minutes): data nodes of varied sizes.
  const knex = portal.svc.running.db.knex;
  const owner = (await knex('users').where({ name: 'alice' }).first('id')).id;
  const parent = (await knex('nodes').where({ path: 'alice/big' }).first('id')).id;
  await knex.raw(
    `INSERT INTO nodes (parent_id, path, name, type, owner_id, size)
     SELECT ?, 'alice/big/' || n, n, 'DataNode', ?, (i * 7919) % 100000
     FROM generate_series(1, ?) AS i, LATERAL (SELECT 'file-' || lpad(i::text, 5, '0') AS n) AS names`,
    [parent, owner, CHILDREN],
  );
  ({ page } = await portal.open('alice'));
  await page.waitForURL('**/browse/alice');
  // In the page: the time of the last click, and of the frame that first paints a link named `watchFor(name)` (ms since the navigation began).
  await page.addInitScript(() => {
    const w = window as unknown as Timing;
    document.addEventListener('click', () => (w.clickAt = performance.now()), true);
    w.watchFor = (name) => {
      w.seenAt = undefined;
      const observer = new MutationObserver(() => {
        if ([...document.links].some((a) => a.textContent === name)) {
          observer.disconnect();
          requestAnimationFrame(() => (w.seenAt = performance.now()));
        }
      });
      observer.observe(document, { childList: true, subtree: true });
    };
    w.watchFor('file-00001');
  });
});
afterAll(() => portal?.close());

interface Timing {
  clickAt?: number;
  seenAt?: number;
  watchFor(name: string): void;
}

/**
 * Opens the view with a full page load: the time to the first row, measured
 * in the page (navigation start to the frame that paints the row) and around
 * Playwright's goto and wait (which adds its own polling), the round trip of
 * the view's query, and the GraphQL requests made.
 */
async function timedLoad(path: string): Promise<{ inPage: number; ms: number; operations: string[]; query: number }> {
  const operations: string[] = [];
  const listen = (r: import('playwright-core').Request) => {
    if (new URL(r.url()).pathname !== '/graphql') return;
    const { query } = JSON.parse(r.postData() ?? '{}') as { query?: string };
    operations.push(/^\s*(?:query|mutation)\s+(\w+)/.exec(query ?? '')?.[1] ?? '?');
  };
  page.on('request', listen);
  const start = Date.now();
  await page.goto(path);
  await page.getByRole('link', { name: 'file-00001', exact: true }).waitFor();
  const ms = Date.now() - start;
  await page.waitForFunction(() => (window as unknown as Timing).seenAt !== undefined);
  page.off('request', listen);
  const { inPage, query } = await page.evaluate(() => {
    const gql = performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname === '/graphql');
    return { inPage: Math.round((window as unknown as Timing).seenAt ?? -1), query: Math.round(gql[gql.length - 1]?.duration ?? -1) };
  });
  return { inPage, ms, operations, query };
}

test(`the first page of a ${CHILDREN}-child folder is visible in under ${LIMIT_MS} ms, with one GraphQL request for the view`, async () => {
  await timedLoad('/browse/alice/big'); // warm-up: the browser's cache, the service's prepared plans
  const runs = [];
  for (let i = 0; i < 5; i++) runs.push(await timedLoad('/browse/alice/big'));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const inPage = median(runs.map((r) => r.inPage));
  const outside = median(runs.map((r) => r.ms));
  console.log(
    `browse view, ${CHILDREN} children, full page load to first row: median ${inPage} ms in the page (runs ${runs.map((r) => r.inPage).join(', ')}), ` +
      `${outside} ms around goto (runs ${runs.map((r) => r.ms).join(', ')}); the Browse query's round trip ${runs.map((r) => r.query).join(', ')} ms; ` +
      `GraphQL requests: ${runs[0].operations.join(' + ')}`,
  );
  for (const r of runs) expect(r.operations).toEqual(['Session', 'Browse']);
  expect(await page.getByText(`${CHILDREN} items`).count()).toBe(1);
  expect(await page.getByRole('row').count()).toBe(101);
  // The limit holds for the page's own figure; Playwright's polling adds tens of ms to the other, which is logged only.
  expect(inPage).toBeLessThan(LIMIT_MS);
  await screenshot(page, 'browse-10000');
});

test('going into the folder from its parent, and to the next page, is one request each', async () => {
  await page.goto('/browse/alice');
  await page.getByRole('link', { name: 'big', exact: true }).waitFor();
  const operations: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/graphql') operations.push(r.postData() ?? '');
  });
  /** Clicks, and answers the ms from the click to the link `name` in the document, measured in the page. */
  const clickUntil = async (click: () => Promise<void>, name: string) => {
    await page.evaluate((n) => (window as unknown as Timing).watchFor(n), name);
    await click();
    await page.getByRole('link', { name, exact: true }).waitFor();
    await page.waitForFunction(() => (window as unknown as Timing).seenAt !== undefined);
    return page.evaluate(() => {
      const w = window as unknown as Timing;
      const gql = performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname === '/graphql');
      return `${Math.round(w.seenAt! - w.clickAt!)} ms (its query ${Math.round(gql[gql.length - 1].duration)} ms)`;
    });
  };
  const inApp = await clickUntil(() => page.getByRole('link', { name: 'big', exact: true }).click(), 'file-00001');
  expect(operations).toHaveLength(1);
  const nextMs = await clickUntil(() => page.getByRole('button', { name: 'Next page' }).click(), 'file-00101');
  expect(operations).toHaveLength(2);
  await page.getByRole('button', { name: 'Size' }).click();
  await page.getByRole('link', { name: /^file-/ }).first().waitFor();
  expect(operations).toHaveLength(3);
  console.log(`browse view, ${CHILDREN} children, measured in the page: click into the folder to first row ${inApp}, Next page to its first row ${nextMs}; one GraphQL request each`);
  expect(parseInt(inApp, 10)).toBeLessThan(LIMIT_MS);
  expect(parseInt(nextMs, 10)).toBeLessThan(LIMIT_MS);
});
