/**
 * The browse view in a real browser: folders, uploads (picker and drop, with
 * progress, cancel, quota), download, rename, move, copy, delete, sorting and
 * paging. Every change is checked through the API as well as on the page.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { screenshot, startPortal, tempFile, type Portal } from './harness';

const QUOTA = 'ivo://ivoa.net/vospace/core#quota';
const MiB = 1024 * 1024;

let portal: Portal;
let alice: string;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  portal = await startPortal();
  alice = await portal.user('alice');
  ({ context, page } = await portal.open('alice'));
  await page.waitForURL('**/browse/alice');
});
afterAll(() => portal?.close());

interface NodeInfo {
  path: string;
  type: string;
  size: number;
  md5: string | null;
}
async function nodeAt(path: string): Promise<NodeInfo | null> {
  const d = await portal.gql<{ node: NodeInfo | null }>(alice, 'query($p: String!) { node(path: $p) { path type size md5 } }', { p: path });
  return d.node;
}
const mkdir = (path: string) => portal.gql(alice, 'mutation($p: String!) { createNode(path: $p) { id } }', { p: path });
const md5Of = (file: string) => createHash('md5').update(fs.readFileSync(file)).digest('hex');
const row = (name: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
const button = (name: string) => page.getByRole('button', { name, exact: true });

async function browse(path: string) {
  await page.goto(`/browse/${path}`);
  await page.getByRole('table').waitFor();
}

/** Picks files through the Upload button's file chooser, as a person would. */
async function upload(files: string[]) {
  const chooser = page.waitForEvent('filechooser');
  await button('Upload').click();
  await (await chooser).setFiles(files);
}

/** Polls the API until `check` holds (a job that carries on, an abort the service finishes). */
async function eventually<T>(get: () => Promise<T>, check: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (check(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('New folder makes a folder that is listed and exists in the space; a taken name is DuplicateNode in an alert', async () => {
  await button('New folder').click();
  const dialog = page.getByRole('dialog', { name: 'New folder' });
  await dialog.getByLabel('Name').fill('data');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await row('data').waitFor();
  expect((await nodeAt('alice/data'))?.type).toBe('ContainerNode');

  await button('New folder').click();
  await dialog.getByLabel('Name').fill('data');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(dialog.getByRole('alert').textContent()).resolves.toMatch(/DuplicateNode/);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
});

test('three files upload at once, each with its progress bar; the listing shows their sizes and the space holds their bytes', async () => {
  const files = [tempFile('a.txt', 5), tempFile('b.bin', 70_000), tempFile('big.bin', 20 * MiB)];
  await page.getByRole('link', { name: 'data', exact: true }).click();
  await page.waitForURL('**/browse/alice/data');
  await upload(files);
  for (const name of ['a.txt', 'b.bin', 'big.bin']) await page.getByRole('progressbar', { name }).waitFor();
  const big = page.getByRole('progressbar', { name: 'big.bin' });
  await page.getByRole('listitem').filter({ has: big }).getByText(/^Done/).waitFor({ timeout: 60_000 });
  expect(await big.getAttribute('aria-valuenow')).toBe('100');

  await row('big.bin').waitFor();
  await row('b.bin').waitFor();
  await row('a.txt').waitFor();
  const size = row('big.bin').getByRole('cell').nth(3);
  expect(await size.textContent()).toBe('20 MiB');
  expect(await size.getAttribute('title')).toBe(`${20 * MiB} bytes`);
  expect(await row('b.bin').getByRole('cell').nth(3).textContent()).toBe('68 KiB');
  expect(await row('a.txt').getByRole('cell').nth(3).textContent()).toBe('5 B');
  await expect(page.getByText('3 items').count()).resolves.toBe(1);
  await screenshot(page, 'browse');

  for (const f of files) {
    const n = await nodeAt(`alice/data/${f.split('/').pop()}`);
    expect(n).toMatchObject({ size: fs.statSync(f).size, md5: md5Of(f) });
  }
});

test('clicking a file name downloads its bytes through the browser', async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), row('b.bin').getByRole('link', { name: 'b.bin' }).click()]);
  expect(download.suggestedFilename()).toBe('b.bin');
  const saved = await download.path();
  expect(createHash('md5').update(fs.readFileSync(saved)).digest('hex')).toBe((await nodeAt('alice/data/b.bin'))?.md5);
});

test('Rename needs exactly one selected row, refuses a taken name, and renames through a job', async () => {
  expect(await button('Rename').isDisabled()).toBe(true);
  await page.getByLabel('Select a.txt').check();
  await page.getByLabel('Select b.bin').check();
  expect(await button('Rename').isDisabled()).toBe(true);
  await page.getByLabel('Select b.bin').uncheck();
  await button('Rename').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('New name').fill('b.bin');
  await dialog.getByRole('button', { name: 'Rename' }).click();
  await expect(dialog.getByRole('alert').textContent()).resolves.toMatch(/DuplicateNode/);
  await dialog.getByLabel('New name').fill('notes.txt');
  await dialog.getByRole('button', { name: 'Rename' }).click();
  await row('notes.txt').waitFor();
  expect(await row('a.txt').count()).toBe(0);
  expect(await nodeAt('alice/data/a.txt')).toBeNull();
  expect(await nodeAt('alice/data/notes.txt')).toMatchObject({ size: 5 });
});

test('Move and Copy take the selection into a destination folder, typed or picked from the list', async () => {
  await mkdir('alice/data/dest');
  await page.reload();
  await page.getByLabel('Select notes.txt').check();
  await button('Move').click();
  let dialog = page.getByRole('dialog');
  expect(await dialog.getByLabel('Destination').inputValue()).toBe('/alice/data');
  await dialog.getByLabel('Destination').fill('/alice/data/dest');
  await dialog.getByRole('button', { name: 'Move', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByLabel('Select notes.txt').waitFor({ state: 'detached' });
  expect(await nodeAt('alice/data/notes.txt')).toBeNull();
  expect(await nodeAt('alice/data/dest/notes.txt')).toMatchObject({ size: 5 });

  await page.getByLabel('Select b.bin').check();
  await button('Copy').click();
  dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'dest/' }).click();
  expect(await dialog.getByLabel('Destination').inputValue()).toBe('/alice/data/dest');
  await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  const original = await nodeAt('alice/data/b.bin');
  expect(await nodeAt('alice/data/dest/b.bin')).toMatchObject({ size: 70_000, md5: original?.md5 });

  // A copy onto itself is a fault the job reports, shown in the dialog.
  await page.getByLabel('Select b.bin').check();
  await button('Copy').click();
  await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
  await expect(dialog.getByRole('alert').textContent()).resolves.toMatch(/DuplicateNode/);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
});

test('Delete asks in an alertdialog naming what goes, then deletes it', async () => {
  await page.getByLabel('Select b.bin').check();
  await page.getByLabel('Select dest').check();
  await button('Delete').click();
  const dialog = page.getByRole('alertdialog', { name: 'Delete' });
  expect(await dialog.textContent()).toMatch(/b\.bin, dest/);
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await dialog.waitFor({ state: 'detached' });
  await row('dest').waitFor({ state: 'detached' });
  expect(await nodeAt('alice/data/b.bin')).toBeNull();
  expect(await nodeAt('alice/data/dest/notes.txt')).toBeNull();
  expect(await nodeAt('alice/data/big.bin')).not.toBeNull();
});

test('a file dropped onto the listing is uploaded', async () => {
  const dataTransfer = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['dropped bytes\n'], 'dropped.txt', { type: 'text/plain' }));
    return dt;
  });
  await page.getByRole('table').dispatchEvent('dragover', { dataTransfer });
  await page.getByRole('table').dispatchEvent('drop', { dataTransfer });
  await row('dropped.txt').waitFor();
  expect(await nodeAt('alice/data/dropped.txt')).toMatchObject({ size: 14, md5: createHash('md5').update('dropped bytes\n').digest('hex') });
});

test('Cancel stops an upload midway: its job is aborted and no node is left', async () => {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 512 * 1024 });
  try {
    await upload([tempFile('slow.bin', 8 * MiB)]);
    const bar = page.getByRole('progressbar', { name: 'slow.bin' });
    await eventually(async () => Number(await bar.getAttribute('aria-valuenow')), (v) => v > 0);
    const pct = Number(await bar.getAttribute('aria-valuenow'));
    expect(pct).toBeGreaterThan(0);
    expect(pct).toBeLessThan(100);
    expect(await page.getByRole('listitem').filter({ has: bar }).textContent()).toMatch(/[\d.]+ (B|KiB|MiB)\/s/);
    await screenshot(page, 'upload');
    await page.getByRole('listitem').filter({ has: bar }).getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('listitem').filter({ has: bar }).getByText('Cancelled').waitFor();
  } finally {
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  }
  expect(await eventually(() => nodeAt('alice/data/slow.bin'), (n) => n === null)).toBeNull();
  await page.reload();
  await page.getByRole('table').waitFor();
  expect(await row('slow.bin').count()).toBe(0);
});

test('over a quota an upload says QuotaExceeded in an alert and leaves no node; the quota shows as a meter', async () => {
  await mkdir('alice/small');
  await portal.gql(portal.rootToken, 'mutation($p: String!, $q: [PropertyInput!]!) { setProperties(path: $p, properties: $q) { id } }', {
    p: 'alice/small',
    q: [{ uri: QUOTA, value: '15000' }],
  });
  await browse('alice/small');
  const meter = page.getByRole('meter', { name: 'Quota' });
  expect(await meter.getAttribute('max')).toBe('15000');
  await page.getByText('0 B of 15 KiB used').waitFor();

  await upload([tempFile('huge.bin', 20_000)]);
  await expect(page.getByRole('alert').filter({ hasText: 'huge.bin' }).textContent()).resolves.toMatch(/QuotaExceeded/);
  expect(await nodeAt('alice/small/huge.bin')).toBeNull();

  // Two that each fit but not together: one is refused (at negotiation, or by the storage server, whose failed push the service takes away).
  await upload([tempFile('one.bin', 10_000), tempFile('two.bin', 10_000)]);
  const refused = page.getByRole('alert').filter({ hasText: /(one|two)\.bin: .*QuotaExceeded/ });
  await refused.waitFor();
  await page.getByRole('listitem').filter({ has: page.getByText(/^Done/) }).filter({ hasText: /(one|two)\.bin/ }).waitFor();
  const left = await Promise.all([nodeAt('alice/small/one.bin'), nodeAt('alice/small/two.bin')]);
  expect(left.filter(Boolean)).toHaveLength(1);
  await page.getByText(/9\.\d KiB of 15 KiB used/).waitFor();
});

test('sorting is done by the service and kept in the URL; paging goes through the cursor, 100 a page', async () => {
  await mkdir('alice/many');
  for (let i = 0; i < 150; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, j) =>
        portal.gql(alice, 'mutation($p: String!) { createNode(path: $p, type: DataNode) { id } }', { p: `alice/many/n${String(i + j).padStart(3, '0')}` }),
      ),
    );
  }
  await browse('alice/many');
  await page.getByText('150 items').waitFor();
  const names = () => page.getByRole('row').getByRole('link').allTextContents();
  expect(await names()).toHaveLength(100);
  expect((await names())[0]).toBe('n000');
  await button('Next page').click();
  await page.getByRole('link', { name: 'n149' }).waitFor();
  expect(await names()).toHaveLength(50);
  expect((await names())[0]).toBe('n100');
  expect(await button('Next page').isDisabled()).toBe(true);
  await button('Previous page').click();
  await page.getByRole('link', { name: 'n000' }).waitFor();

  const nameHeader = page.getByRole('columnheader').filter({ has: page.getByRole('button', { name: 'Name', exact: true }) });
  expect(await nameHeader.getAttribute('aria-sort')).toBe('ascending');
  await page.getByRole('button', { name: 'Name', exact: true }).click();
  await page.waitForURL('**/browse/alice/many?sort=name&desc=1');
  await page.getByRole('link', { name: 'n149' }).waitFor();
  expect(await nameHeader.getAttribute('aria-sort')).toBe('descending');

  // Sizes: three of them get bytes (uploads replace their empty bytes), then the largest come first.
  await upload([tempFile('n010', 3000), tempFile('n020', 2000), tempFile('n030', 1000)]);
  for (const n of ['n010', 'n020', 'n030']) await page.getByRole('listitem').filter({ has: page.getByRole('progressbar', { name: n }) }).getByText(/^Done/).waitFor();
  await browse('alice/many');
  await page.getByRole('button', { name: 'Size' }).click();
  await page.waitForURL('**/browse/alice/many?sort=size');
  await page.getByRole('button', { name: 'Size' }).click();
  await page.waitForURL('**/browse/alice/many?sort=size&desc=1');
  await page.getByRole('link', { name: 'n010' }).waitFor();
  const sizeSort = page.getByRole('columnheader').filter({ has: page.getByRole('button', { name: 'Size' }) });
  expect(await sizeSort.getAttribute('aria-sort')).toBe('descending');
  expect((await names()).slice(0, 3)).toEqual(['n010', 'n020', 'n030']);
  await page.reload();
  await page.getByRole('link', { name: 'n010' }).waitFor();
  expect((await names()).slice(0, 3)).toEqual(['n010', 'n020', 'n030']);
  await page.goBack();
  await page.waitForURL('**/browse/alice/many?sort=size');
  await eventually(() => sizeSort.getAttribute('aria-sort'), (v) => v === 'ascending');
  expect(await names()).not.toContain('n010');
  await page.goForward();
  await page.waitForURL('**/browse/alice/many?sort=size&desc=1');
  await page.getByRole('link', { name: 'n010' }).waitFor();
  expect((await names())[0]).toBe('n010');
});

test('breadcrumbs lead up the tree; a node that is missing, or not yours to read, is an alert and no table', async () => {
  await browse('alice/data');
  const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
  await crumbs.getByRole('link', { name: 'alice' }).click();
  await page.waitForURL('**/browse/alice');
  await row('data').waitFor();

  await page.goto('/browse/alice/nothing-here');
  expect(await page.getByRole('alert').textContent()).toMatch(/NodeNotFound/);
  expect(await page.getByRole('table').count()).toBe(0);

  await portal.user('bob');
  await page.goto('/browse/bob');
  expect(await page.getByRole('alert').textContent()).toMatch(/NodeNotFound|PermissionDenied/);
  expect(await page.getByRole('table').count()).toBe(0);
});
