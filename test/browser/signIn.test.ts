import { startPortal, signIn, type Portal } from './harness';

let portal: Portal;
beforeAll(async () => {
  portal = await startPortal();
  await portal.user('alice');
});
afterAll(() => portal?.close());

test('the home page is the sign-in form; a wrong password says so in an alert, without saying which part was wrong', async () => {
  const { context, page } = await portal.open();
  await page.getByLabel('User name').fill('alice');
  await page.getByLabel('Password').fill('not-her-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const wrongPassword = await page.getByRole('alert').textContent();
  await page.getByLabel('User name').fill('nobody');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: wrongPassword ?? '' }).waitFor();
  expect(wrongPassword).toMatch(/wrong user name or password/);
  expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
  await context.close();
});

test('signing in lands in the home folder; signing out returns to the form and the session is gone', async () => {
  const { context, page } = await portal.open();
  await signIn(page, 'alice');
  await page.waitForURL('**/browse/alice');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await page.reload();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  const cookies = await context.cookies();
  expect(cookies.filter((c) => c.name === 'vospace_session' && c.value)).toEqual([]);
  await context.close();
});
