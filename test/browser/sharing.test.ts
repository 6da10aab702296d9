import { screenshot, startPortal, type Portal } from './harness';

let portal: Portal;
let alice: string;
let bob: string;
let carol: string;
beforeAll(async () => {
  portal = await startPortal();
  alice = await portal.user('alice', { groups: ['g1'] });
  bob = await portal.user('bob', { groups: ['g1'] });
  carol = await portal.user('carol');
  for (const [path, type] of [
    ['/alice/data', 'ContainerNode'],
    ['/alice/data/sky.fits', 'DataNode'],
    ['/alice/data/deep', 'ContainerNode'],
    ['/alice/data/deep/dark.fits', 'DataNode'],
  ]) {
    await portal.gql(alice, 'mutation($p: String!, $t: NodeKind!) { createNode(path: $p, type: $t) { path } }', { p: path, t: type });
  }
});
afterAll(() => portal?.close());

interface GrantsOf {
  node: { grants: { groupRead: string[]; groupWrite: string[]; public: boolean } } | null;
}
const grants = async (token: string, path: string) =>
  (await portal.gql<GrantsOf>(token, 'query($p: String!) { node(path: $p) { grants { groupRead groupWrite public } } }', { p: path })).node?.grants ?? null;

const ALL = ['/alice/data', '/alice/data/sky.fits', '/alice/data/deep', '/alice/data/deep/dark.fits'];

test('alice shares /alice/data and its contents with g1 and opens /alice for it: bob (in g1) sees the files, carol (not in g1) gets an alert and no rows', async () => {
  const { context, page } = await portal.open('alice', { path: '/browse/alice/data' });
  await page.getByRole('row', { name: /sky\.fits/ }).waitFor();
  await page.getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog', { name: 'Share' });
  const read = dialog.getByRole('group', { name: 'Group read' });
  await read.getByRole('checkbox', { name: 'g1' }).check();
  await dialog.getByText('Group g1 cannot open /alice').waitFor();
  await dialog.getByRole('checkbox', { name: 'Also open the folders above' }).check();
  await dialog.getByRole('checkbox', { name: 'Apply to contents' }).check();
  await screenshot(page, 'share');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.getByText('Applied to 4 nodes; 0 could not be changed.').waitFor();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });
  await context.close();

  // The API says the same: read for g1 on the folder, everything in it, and /alice.
  for (const p of [...ALL, '/alice']) expect(await grants(alice, p)).toEqual({ groupRead: ['g1'], groupWrite: [], public: false });

  const asBob = await portal.open('bob', { path: '/browse/alice/data' });
  await asBob.page.getByRole('row', { name: /sky\.fits/ }).waitFor();
  await asBob.page.getByRole('row', { name: /deep/ }).waitFor();
  expect(await asBob.page.getByRole('alert').count()).toBe(0);
  await asBob.context.close();
  expect(await grants(bob, '/alice/data/sky.fits')).not.toBeNull();

  const asCarol = await portal.open('carol', { path: '/browse/alice/data' });
  await asCarol.page.getByRole('alert').waitFor();
  expect(await asCarol.page.getByRole('row').count()).toBe(0);
  await asCarol.context.close();
  expect(await grants(carol, '/alice/data')).toBeNull();
});

test('the dialog shows the grants as they are; without Apply to contents only the node changes, keeping a group URI as given', async () => {
  const { context, page } = await portal.open('alice', { path: '/browse/alice/data' });
  await page.getByRole('row', { name: /sky\.fits/ }).waitFor();
  await page.getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog', { name: 'Share' });
  const read = dialog.getByRole('group', { name: 'Group read' });
  const write = dialog.getByRole('group', { name: 'Group write' });
  expect(await read.getByRole('checkbox', { name: 'g1' }).isChecked()).toBe(true);
  expect(await write.getByRole('checkbox', { name: 'g1' }).isChecked()).toBe(false);
  expect(await dialog.getByRole('checkbox', { name: 'Public read' }).isChecked()).toBe(false);
  // /alice is open to g1 now: no warning about it.
  expect(await dialog.getByText(/cannot open/).count()).toBe(0);

  await write.getByLabel('Other group').fill('ivo://example.org/gms?g2');
  // g2 is named in groupwrite, so it reads too, and cannot open /alice.
  await dialog.getByText('Group g2 cannot open /alice').waitFor();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached' });
  await context.close();

  expect(await grants(alice, '/alice/data')).toEqual({ groupRead: ['g1'], groupWrite: ['ivo://example.org/gms?g2'], public: false });
  // Not applied to the contents, nor asked to open the folders above.
  for (const p of ['/alice', '/alice/data/sky.fits']) expect(await grants(alice, p)).toEqual({ groupRead: ['g1'], groupWrite: [], public: false });
});

test('a folder above that is not yours is named and left alone; only the node itself changes', async () => {
  await portal.gql(portal.rootToken, 'mutation { createNode(path: "/proj", type: ContainerNode, properties: [{ uri: "ivo://ivoa.net/vospace/core#groupwrite", value: "g1" }]) { path } }');
  await portal.gql(alice, 'mutation { createNode(path: "/proj/release", type: ContainerNode) { path } }');
  const { context, page } = await portal.open('alice', { path: '/browse/proj/release' });
  await page.getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog', { name: 'Share' });
  await dialog.getByRole('checkbox', { name: 'Public read' }).check();
  await dialog.getByText('The public cannot open /proj').waitFor();
  await dialog.getByRole('checkbox', { name: 'Also open the folders above' }).check();
  await dialog.getByText(/Not yours, left as they are.*\/proj \(root\)/).waitFor();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached' });
  await context.close();
  expect(await grants(alice, '/proj/release')).toEqual({ groupRead: [], groupWrite: [], public: true });
  expect(await grants(portal.rootToken, '/proj')).toEqual({ groupRead: [], groupWrite: ['g1'], public: false });
});

test('a fault from the service shows in an alert and the dialog stays open: the folder went while the dialog was open', async () => {
  await portal.gql(alice, 'mutation { createNode(path: "/alice/gone", type: ContainerNode) { path } }');
  const { context, page } = await portal.open('alice', { path: '/browse/alice/gone' });
  await page.getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog', { name: 'Share' });
  await dialog.getByRole('checkbox', { name: 'Public read' }).check();
  await portal.gql(alice, 'mutation { deleteNode(path: "/alice/gone") }');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.getByRole('alert').filter({ hasText: 'NodeNotFound' }).waitFor();
  expect(await dialog.isVisible()).toBe(true);
  await context.close();
  expect(await grants(alice, '/alice/gone')).toBeNull();
});
