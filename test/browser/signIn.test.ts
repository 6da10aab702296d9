import { gql } from '../helpers/gql';
import { passwordOf, screenshot, startPortal, signIn, type Portal } from './harness';

let portal: Portal;
beforeAll(async () => {
  portal = await startPortal();
  await portal.user('alice');
  await portal.user('dora');
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

test('the form starts in the user name field; after repeated failures the rate limit refuses even the right password, in an alert', async () => {
  const { context, page } = await portal.open();
  // The form moves the focus once the refusal is rendered: wait for it rather than race it.
  const focused = (label: string) =>
    page.getByLabel(label).evaluate((el) => el === document.activeElement || new Promise<boolean>((done) => {
      const until = performance.now() + 2000;
      const check = () => (el === document.activeElement ? done(true) : performance.now() > until ? done(false) : requestAnimationFrame(check));
      requestAnimationFrame(check);
    }));
  expect(await focused('User name')).toBe(true);
  await screenshot(page, 'signin');
  const attempt = async (password: string) => {
    await page.getByLabel('User name').fill('dora');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The answer is in once the form is enabled again.
    await page.getByRole('button', { name: 'Sign in', disabled: false }).waitFor();
    return page.getByRole('alert').textContent();
  };
  // The service allows 5 failures per name (parameters.signin_failures) in 15 minutes.
  for (let i = 0; i < 5; i++) expect(await attempt(`wrong-${i}-password`)).toMatch(/wrong user name or password/);
  expect(await focused('Password')).toBe(true);
  expect(await attempt(passwordOf('dora'))).toMatch(/too many failed sign-ins; retry after \d+ s/);
  expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
  const api = await gql(portal.svc, 'mutation($p: String!) { signIn(name: "dora", password: $p) { user { name } } }', { p: passwordOf('dora') });
  expect(api.errors?.[0].extensions?.code).toBe('TooManyRequests');
  await context.close();
});
