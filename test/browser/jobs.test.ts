import { gql } from '../helpers/gql';
import { screenshot, startPortal, type Portal } from './harness';

let portal: Portal;
let alice: string;
beforeAll(async () => {
  portal = await startPortal();
  alice = await portal.user('alice');
});
afterAll(() => portal?.close());

const NEGOTIATE = `mutation($target: String!, $direction: String!, $run: Boolean!) {
  negotiateTransfer(target: $target, direction: $direction, run: $run) { id phase }
}`;
const JOB = `query($id: String!) { job(id: $id) { phase } }`;

async function makeJob(target: string, direction: string, run: boolean): Promise<{ id: string; phase: string }> {
  const d = await portal.gql<{ negotiateTransfer: { id: string; phase: string } }>(alice, NEGOTIATE, { target, direction, run });
  return d.negotiateTransfer;
}

test('Jobs: pending jobs show their phase change live, from the API and from the Abort button; a failed job shows its fault', async () => {
  const byApi = await makeJob(portal.svc.uri('alice/a.fits'), 'pushToVoSpace', false);
  const byPage = await makeJob(portal.svc.uri('alice/b.fits'), 'pushToVoSpace', false);
  const failed = await makeJob(portal.svc.uri('alice/not-there'), 'pullFromVoSpace', true);
  expect([byApi.phase, byPage.phase, failed.phase]).toEqual(['PENDING', 'PENDING', 'ERROR']);

  const { context, page } = await portal.open('alice', { path: '/jobs' });
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  const rowApi = page.getByRole('row', { name: `Job ${byApi.id}` });
  const rowPage = page.getByRole('row', { name: `Job ${byPage.id}` });
  const rowFailed = page.getByRole('row', { name: `Job ${failed.id}` });
  await rowApi.getByText('PENDING').waitFor();
  await rowPage.getByText('PENDING').waitFor();
  expect(await rowApi.getByText('pushToVoSpace').count()).toBe(1);
  expect(await rowApi.getByText(portal.svc.uri('alice/a.fits')).count()).toBe(1);
  await rowFailed.getByText(/NodeNotFound/).waitFor();
  expect(await rowFailed.getByRole('button', { name: 'Abort' }).count()).toBe(0);
  await screenshot(page, 'jobs');

  // Aborted elsewhere: the page hears it through the subscription, no reload.
  await portal.gql(alice, `mutation($id: String!) { abortJob(id: $id) { phase } }`, { id: byApi.id });
  await rowApi.getByText('ABORTED').waitFor();
  expect(await rowApi.getByRole('button', { name: 'Abort' }).count()).toBe(0);

  // Aborted here: the API agrees.
  await rowPage.getByRole('button', { name: 'Abort' }).click();
  await rowPage.getByText('ABORTED').waitFor();
  expect((await portal.gql<{ job: { phase: string } }>(alice, JOB, { id: byPage.id })).job.phase).toBe('ABORTED');
  expect(await page.getByRole('alert').count()).toBe(0);
  await context.close();
});

test('Jobs: another user never sees them, and aborting a job that is not yours is refused', async () => {
  const bob = await portal.user('bob');
  const job = await makeJob(portal.svc.uri('alice/c.fits'), 'pushToVoSpace', false);
  const { context, page } = await portal.open('bob', { path: '/jobs' });
  await page.getByText('No jobs.').waitFor();
  expect(await page.getByRole('row', { name: `Job ${job.id}` }).count()).toBe(0);
  // The API refuses bob too, and alice's job is left as it was.
  await expect(portal.gql(bob, `mutation($id: String!) { abortJob(id: $id) { phase } }`, { id: job.id })).rejects.toThrow();
  expect((await portal.gql<{ job: { phase: string } }>(alice, JOB, { id: job.id })).job.phase).toBe('PENDING');
  await context.close();
});

test('Tokens: a new token is shown once, works as a bearer token, and stops working once revoked', async () => {
  const { context, page } = await portal.open('alice', { path: '/tokens' });
  await page.getByRole('heading', { name: 'Tokens' }).waitFor();
  await page.getByLabel('Label').fill('laptop');
  await page.getByLabel('Expires').selectOption({ label: '1 day' });
  await page.getByRole('button', { name: 'Create token' }).click();
  const field = page.getByLabel('New token');
  await field.waitFor();
  expect(await field.getAttribute('readonly')).not.toBeNull();
  const token = await field.inputValue();
  expect(token.length).toBeGreaterThan(20);
  const row = page.getByRole('row', { name: 'Token laptop' });
  await row.waitFor();
  await screenshot(page, 'tokens');

  const me = (t: string) => gql<{ me: { name: string } | null }>(portal.svc, '{ me { name } }', {}, t);
  expect((await me(token)).data?.me?.name).toBe('alice');

  // The list through the API: the label and an expiry about a day away.
  const listed = await portal.gql<{ tokens: { label: string | null; expires: string | null }[] }>(alice, '{ tokens { label expires } }');
  const laptop = listed.tokens.find((t) => t.label === 'laptop');
  expect(Date.parse(laptop!.expires!) - Date.now()).toBeGreaterThan(23 * 3600_000);
  expect(Date.parse(laptop!.expires!) - Date.now()).toBeLessThan(25 * 3600_000);

  // Shown once: gone after a reload, and the list never holds it.
  await page.reload();
  await page.getByRole('row', { name: 'Token laptop' }).waitFor();
  expect(await page.getByLabel('New token').count()).toBe(0);
  expect(await page.getByText(token).count()).toBe(0);

  await page.getByRole('row', { name: 'Token laptop' }).getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('row', { name: 'Token laptop' }).waitFor({ state: 'detached' });
  const after = await me(token);
  expect(after.status).toBe(401);
  expect(after.data?.me ?? null).toBeNull();
  const left = await portal.gql<{ tokens: { label: string | null }[] }>(alice, '{ tokens { label } }');
  expect(left.tokens.map((t) => t.label)).not.toContain('laptop');
  await context.close();
});
