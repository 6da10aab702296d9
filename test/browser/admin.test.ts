/**
 * The admin pages in a real browser: an administrator sees users, usage (a
 * chart and its table, with the bytes uploaded through the API), storage
 * servers, and adds a user who can then sign in; a non-administrator sees no
 * Admin link, gets an alert and no data at an admin URL, and the API refuses.
 */
import type { Page } from 'playwright-core';
import { gql } from '../helpers/gql';
import { screenshot, signIn, startPortal, type Portal } from './harness';

const HTTPPUT = 'ivo://ivoa.net/vospace/core#httpput';

let portal: Portal;
let bob: string;
beforeAll(async () => {
  portal = await startPortal();
  await portal.user('ada', { admin: true });
  bob = await portal.user('bob', { groups: ['astro'] });
  await upload(bob, '/bob/a.bin', 3000);
  await upload(bob, '/bob/b.bin', 5000);
});
afterAll(() => portal?.close());

/** Pushes `size` bytes to a new data node through negotiateTransfer and the storage endpoint it returns. */
async function upload(token: string, path: string, size: number): Promise<void> {
  const { negotiateTransfer: job } = await portal.gql<{ negotiateTransfer: { protocols: { endpoint: string }[] } }>(
    token,
    'mutation($t: String!, $p: [String!]) { negotiateTransfer(target: $t, direction: "pushToVoSpace", protocols: $p) { protocols { endpoint } } }',
    { t: path, p: [HTTPPUT] },
  );
  const res = await fetch(job.protocols[0].endpoint, { method: 'PUT', body: new Uint8Array(size).fill(7) });
  expect(res.status).toBeLessThan(300);
}

const row = (page: Page, table: string, name: string) =>
  page.getByRole('table', { name: table, exact: true }).getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });

test('an administrator reaches the users through the Admin link', async () => {
  const { context, page } = await portal.open('ada');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
  await page.waitForURL('**/admin/users');
  const users = page.getByRole('table', { name: 'Users' });
  await row(page, 'Users', 'bob').waitFor();
  expect(await row(page, 'Users', 'bob').getByRole('cell').nth(1).textContent()).toBe('astro');
  expect(await row(page, 'Users', 'ada').getByRole('checkbox', { name: 'Administrator' }).isChecked()).toBe(true);
  expect(await row(page, 'Users', 'bob').getByRole('checkbox', { name: 'Administrator' }).isChecked()).toBe(false);
  expect(await users.getByRole('rowheader').allTextContents()).toEqual(['ada', 'bob', 'root']);
  await context.close();
});

test('usage per user and per container: charts with their tables, the bytes uploaded through the API', async () => {
  const { context, page } = await portal.open('ada');
  // Chart.js draws under the service's CSP (no inline styles or scripts): a violation or a script error is logged here.
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto('/admin');
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Usage' }).click();
  await page.waitForURL('**/admin/usage');
  await page.getByRole('img', { name: /Bytes owned per user/ }).waitFor();
  const bobBytes = row(page, 'Usage per user', 'bob').getByRole('cell').nth(2).getByTitle('8000 bytes');
  expect(await bobBytes.textContent()).toBe('7.8 KiB');
  expect(await row(page, 'Usage per user', 'bob').getByRole('cell').nth(1).textContent()).toBe('2'); // data nodes
  // The page tells what the API tells.
  const api = await portal.gql<{ usageByUser: { user: string; bytes: number }[] }>(portal.rootToken, '{ usageByUser { user bytes } }');
  expect(api.usageByUser.find((u) => u.user === 'bob')?.bytes).toBe(8000);

  // Per container, from the root: the root and each home, with a quota where one is set.
  await portal.gql(portal.rootToken, 'mutation { setProperties(path: "/bob", properties: [{ uri: "ivo://ivoa.net/vospace/core#quota", value: "1048576" }]) { path } }');
  await page.reload();
  await page.getByRole('img', { name: /Bytes and quota of \/ and its child containers/ }).waitFor();
  const home = row(page, 'Usage per container', '/bob').getByRole('cell');
  expect(await home.nth(1).textContent()).toBe('7.8 KiB');
  expect(await home.nth(2).textContent()).toBe('1.0 MiB');
  expect(await home.nth(3).getByTitle(`${1048576 - 8000} bytes`).count()).toBe(1);
  expect(await row(page, 'Usage per container', '/').getByRole('cell').nth(1).getByTitle('8000 bytes').count()).toBe(1);
  await screenshot(page, 'admin-usage');

  // Another path; one that is not there is said so, in an alert.
  await page.getByLabel('Path').fill('/nowhere');
  await page.getByRole('button', { name: 'Show' }).click();
  expect(await page.getByRole('alert').textContent()).toMatch(/nowhere/);
  await page.getByLabel('Path').fill('/bob');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.getByRole('img', { name: /Bytes and quota of \/bob and/ }).waitFor();
  expect(await page.getByRole('alert').count()).toBe(0);
  // The one error logged is the refused /nowhere request's.
  expect(problems.filter((p) => !/status of 40\d/.test(p))).toEqual([]);
  await context.close();
});

test('storage servers: the in-process one, live, its heartbeat age and free space', async () => {
  const { context, page } = await portal.open('ada', { path: '/admin/storage' });
  const { url } = portal.svc.running.storage!;
  const server = page.getByRole('table', { name: 'Storage servers' }).getByRole('row').filter({ hasText: url });
  await server.waitFor();
  const cells = server.getByRole('cell');
  expect(await cells.nth(0).textContent()).toBe(url);
  expect(await cells.nth(1).textContent()).toBe('live');
  expect(await cells.nth(2).textContent()).toMatch(/^\d+ s ago$/);
  const free = Number(/^(\d+) bytes$/.exec((await cells.nth(3).locator('[title]').getAttribute('title')) ?? '')?.[1]);
  const total = Number(/^(\d+) bytes$/.exec((await cells.nth(4).locator('[title]').getAttribute('title')) ?? '')?.[1]);
  expect(free).toBeGreaterThan(0);
  expect(total).toBeGreaterThanOrEqual(free);
  expect(await cells.nth(5).locator('[title]').getAttribute('title')).toBe('8000 bytes');
  const api = await portal.gql<{ storageServers: { url: string; live: boolean; totalBytes: number }[] }>(portal.rootToken, '{ storageServers { url live totalBytes } }');
  expect(api.storageServers.find((s) => s.url === url)).toEqual({ url, live: true, totalBytes: total });
  await screenshot(page, 'admin-storage');
  await context.close();
});

test('an administrator adds a user with a password, who can then sign in; the admin flag, password and groups are set from the table', async () => {
  const { context, page } = await portal.open('ada', { path: '/admin/users' });
  await page.getByRole('button', { name: 'Add user' }).click();
  const add = page.getByRole('dialog', { name: 'Add user' });
  await add.getByLabel('Name').fill('carol');
  await add.getByLabel('Groups').fill('astro, radio');
  await add.getByLabel('Password').fill('carol-first-pw');
  await add.getByRole('button', { name: 'Add' }).click();
  await add.waitFor({ state: 'detached' });
  await row(page, 'Users', 'carol').filter({ hasText: 'astro, radio' }).waitFor();
  type Users = { users: { name: string; admin: boolean; groups: string[] }[] };
  const carol = async () => (await portal.gql<Users>(portal.rootToken, '{ users { name admin groups } }')).users.find((u) => u.name === 'carol');
  expect(await carol()).toEqual({ name: 'carol', admin: false, groups: ['astro', 'radio'] });

  // A user already there: the dialog stays and says why.
  await page.getByRole('button', { name: 'Add user' }).click();
  await add.getByLabel('Name').fill('carol');
  await add.getByRole('button', { name: 'Add' }).click();
  expect(await add.getByRole('alert').textContent()).toMatch(/carol/);
  await add.getByRole('button', { name: 'Cancel' }).click();

  const carolPage = await portal.browser.newContext({ baseURL: portal.svc.origin }).then((c) => c.newPage());
  await carolPage.goto('/');
  await signIn(carolPage, 'carol', 'carol-first-pw');
  await carolPage.context().close();

  // Administrator flag.
  await row(page, 'Users', 'carol').getByRole('checkbox', { name: 'Administrator' }).check();
  await row(page, 'Users', 'carol').getByRole('checkbox', { name: 'Administrator', checked: true, disabled: false }).waitFor();
  expect((await carol())?.admin).toBe(true);

  // A new password: the old one no longer works, the new one does.
  await row(page, 'Users', 'carol').getByRole('button', { name: 'Set password' }).click();
  const pw = page.getByRole('dialog', { name: 'Set password for carol' });
  await pw.getByLabel('New password').fill('short');
  await pw.getByRole('button', { name: 'Set password' }).click();
  expect(await pw.getByRole('alert').textContent()).toMatch(/password must have/);
  await pw.getByLabel('New password').fill('carol-second-pw');
  await pw.getByRole('button', { name: 'Set password' }).click();
  await pw.waitFor({ state: 'detached' });
  const signInAs = (password: string) => gql(portal.svc, 'mutation($p: String!) { signIn(name: "carol", password: $p) { user { name } } }', { p: password });
  expect((await signInAs('carol-first-pw')).errors).toBeDefined();
  expect((await signInAs('carol-second-pw')).errors).toBeUndefined();

  // A new group, and membership changed from the user's Groups dialog.
  await page.getByRole('button', { name: 'Add group' }).click();
  const group = page.getByRole('dialog', { name: 'Add group' });
  await group.getByLabel('Name').fill('optical');
  await group.getByLabel('Members').fill('bob');
  await group.getByRole('button', { name: 'Add' }).click();
  await row(page, 'Groups', 'optical').filter({ hasText: 'bob' }).waitFor();
  await row(page, 'Users', 'carol').getByRole('button', { name: 'Groups' }).click();
  const groups = page.getByRole('dialog', { name: 'Groups of carol' });
  await groups.getByRole('checkbox', { name: 'radio' }).uncheck();
  await groups.getByRole('checkbox', { name: 'radio', checked: false, disabled: false }).waitFor();
  await groups.getByRole('checkbox', { name: 'optical' }).check();
  await groups.getByRole('checkbox', { name: 'optical', checked: true, disabled: false }).waitFor();
  await groups.getByRole('button', { name: 'Close' }).click();
  await row(page, 'Users', 'carol').filter({ hasText: 'astro, optical' }).waitFor();
  expect((await carol())?.groups).toEqual(['astro', 'optical']);
  await context.close();
});

test('jobs: the count in each phase as a chart and table, and the latest failed job with its fault', async () => {
  // A move of a node that is not there: the job ends in ERROR.
  const { negotiateTransfer: job } = await portal.gql<{ negotiateTransfer: { id: string } }>(
    bob,
    'mutation($t: String!, $d: String!) { negotiateTransfer(target: $t, direction: $d) { id } }',
    { t: '/bob/missing', d: portal.svc.uri('bob/elsewhere') },
  );
  type Counts = { jobPhaseCounts: { phase: string; count: number }[]; failedJobs: { id: string }[] };
  let api: Counts;
  const until = Date.now() + 10_000;
  do api = await portal.gql<Counts>(portal.rootToken, '{ jobPhaseCounts { phase count } failedJobs { id } }');
  while (api.failedJobs[0]?.id !== job.id && Date.now() < until);
  expect(api.failedJobs[0]?.id).toBe(job.id);
  // The two fields are read by separate statements: the counts of the answer that first showed the
  // failed job may be of a moment before it failed. Read them again, now that it has.
  api = await portal.gql<Counts>(portal.rootToken, '{ jobPhaseCounts { phase count } failedJobs { id } }');

  const { context, page } = await portal.open('ada', { path: '/admin/jobs' });
  await page.getByRole('img', { name: /Jobs per phase/ }).waitFor();
  for (const { phase, count } of api.jobPhaseCounts) expect(await row(page, 'Jobs per phase', phase).getByRole('cell').textContent()).toBe(String(count));
  const failed = row(page, 'The latest 20 failed jobs', job.id).getByRole('cell');
  expect(await failed.nth(0).textContent()).toBe('bob');
  expect(await failed.nth(3).textContent()).toBe('NodeNotFound');
  await context.close();
});

test('a non-administrator sees no Admin link; an admin URL shows an alert and asks for no admin data, which the API refuses anyway', async () => {
  const { context, page } = await portal.open('bob');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Files' }).waitFor();
  expect(await page.getByRole('link', { name: 'Admin' }).count()).toBe(0);

  const asked: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/graphql') && r.method() === 'POST') asked.push(r.postData() ?? '');
  });
  await page.goto('/admin/usage');
  expect(await page.getByRole('alert').textContent()).toMatch(/only administrators/i);
  expect(await page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
  expect(await page.getByRole('table').count()).toBe(0);
  expect(await page.getByRole('img').count()).toBe(0);
  expect(asked.length).toBeGreaterThan(0); // the session was asked for: the listener works
  expect(asked.filter((q) => /\b(usageByUser|containerUsage|storageServers|jobPhaseCounts|failedJobs|groups \{|users \{)/.test(q))).toEqual([]);

  const refused = await gql(portal.svc, '{ usageByUser { user bytes } }', {}, bob);
  expect(refused.data).toBeNull();
  expect(refused.errors?.[0].extensions?.code).toBe('PermissionDenied');
  await context.close();
});
