import { startPortal, type Portal } from './harness';

const CORE = 'ivo://ivoa.net/vospace/core#';
const COLOUR = 'ivo://example.org/props#colour';
const BAND = 'ivo://example.org/props#band';

let portal: Portal;
let alice: string;
beforeAll(async () => {
  portal = await startPortal();
  alice = await portal.user('alice');
  await portal.gql(alice, 'mutation($props: [PropertyInput!]) { createNode(path: "/alice/notes.txt", type: DataNode, properties: $props) { path } }', {
    props: [
      { uri: `${CORE}title`, value: 'Old title' },
      { uri: COLOUR, value: 'red' },
    ],
  });
});
afterAll(() => portal?.close());

const propertiesOf = async (path: string) => {
  const d = await portal.gql<{ node: { properties: { uri: string; value: string }[] } }>(alice, 'query($p: String!) { node(path: $p) { properties { uri value } } }', { p: path });
  return Object.fromEntries(d.node.properties.map((p) => [p.uri, p.value]));
};

test('Properties: edit one, remove one, add one, Save sends them; a refused change shows its fault and changes nothing', async () => {
  const { context, page } = await portal.open('alice', { path: '/browse/alice' });
  await page.getByRole('checkbox', { name: 'Select notes.txt' }).check();
  await page.getByRole('button', { name: 'Properties' }).click();
  const dialog = page.getByRole('dialog', { name: 'Properties' });

  // Computed properties are shown, not editable, not removable.
  const mtime = dialog.getByRole('row', { name: new RegExp(`${CORE}mtime`) });
  await mtime.waitFor();
  expect(await mtime.getByRole('textbox').count()).toBe(0);
  expect(await mtime.getByRole('button', { name: 'Remove' }).count()).toBe(0);

  await dialog.getByRole('textbox', { name: `${CORE}title` }).fill('New title');
  await dialog.getByRole('row', { name: new RegExp(COLOUR) }).getByRole('button', { name: 'Remove' }).click();
  await dialog.getByLabel('Property URI').fill(BAND);
  await dialog.getByLabel('Value', { exact: true }).fill('K');
  await dialog.getByRole('button', { name: 'Add' }).click();
  await dialog.getByRole('textbox', { name: BAND }).waitFor();
  // Only an administrator may set a quota: the service refuses the whole change.
  await dialog.getByLabel('Property URI').fill(`${CORE}quota`);
  await dialog.getByLabel('Value', { exact: true }).fill('1000');
  await dialog.getByRole('button', { name: 'Add' }).click();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.getByRole('alert').filter({ hasText: 'PermissionDenied' }).waitFor();
  expect(await propertiesOf('/alice/notes.txt')).toMatchObject({ [`${CORE}title`]: 'Old title', [COLOUR]: 'red' });

  await dialog.getByRole('row', { name: new RegExp(`${CORE}quota`) }).getByRole('button', { name: 'Remove' }).click();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached' });

  const after = await propertiesOf('/alice/notes.txt');
  expect(after[`${CORE}title`]).toBe('New title');
  expect(after[BAND]).toBe('K');
  expect(after).not.toHaveProperty(COLOUR);
  expect(after).not.toHaveProperty(`${CORE}quota`);

  // Opened again, it shows what is stored.
  await page.getByRole('checkbox', { name: 'Select notes.txt' }).check();
  await page.getByRole('button', { name: 'Properties' }).click();
  expect(await dialog.getByRole('textbox', { name: `${CORE}title` }).inputValue()).toBe('New title');
  expect(await dialog.getByRole('row', { name: new RegExp(COLOUR) }).count()).toBe(0);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await context.close();
});

test('Link: a target that is not vos: or http(s) is refused with a message; a vos: link is made with its target', async () => {
  const { context, page } = await portal.open('alice', { path: '/browse/alice' });
  await page.getByRole('row', { name: /notes\.txt/ }).waitFor();
  await page.getByRole('button', { name: 'Link' }).click();
  const dialog = page.getByRole('dialog', { name: 'Link' });
  await dialog.getByLabel('Name').fill('to-notes');
  await dialog.getByLabel('Target URI').fill('ftp://archive.example.org/notes.txt');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await dialog.getByRole('alert').filter({ hasText: 'vos:, http: or https:' }).waitFor();

  const target = portal.svc.uri('alice/notes.txt');
  await dialog.getByLabel('Target URI').fill(target);
  await dialog.getByRole('button', { name: 'Create' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('row', { name: /to-notes/ }).waitFor();
  const d = await portal.gql<{ node: { type: string; target: string } }>(alice, '{ node(path: "/alice/to-notes") { type target } }');
  expect(d.node).toEqual({ type: 'LinkNode', target });

  // A name taken: the service's DuplicateNode in the alert.
  await page.getByRole('button', { name: 'Link' }).click();
  await dialog.getByLabel('Name').fill('to-notes');
  await dialog.getByLabel('Target URI').fill('https://example.org/');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await dialog.getByRole('alert').filter({ hasText: 'DuplicateNode' }).waitFor();
  await context.close();
  expect((await portal.gql<{ node: { target: string } }>(alice, '{ node(path: "/alice/to-notes") { target } }')).node.target).toBe(target);
});
