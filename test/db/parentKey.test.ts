/**
 * The key from a node to its parent (migration 009: statement-level triggers in
 * place of PostgreSQL's per-row foreign key) keeps what the key kept: children
 * go with their parent, and no node is added or moved under a parent that is
 * not there, with the key's error code (the services turn it into ContainerNotFound).
 * A racing delete of the parent is kept out by the parent's lock that the
 * inserting statement takes itself (insertNode's FOR SHARE), as the service adds nodes.
 */
import type { Knex } from 'knex';
import type { Database } from '../../src/db/connection';
import { PG_FOREIGN_KEY_VIOLATION } from '../../src/db/errors';
import { insertNode } from '../../src/db/nodeStore';
import { openTestDatabase, usePg } from '../helpers/db';

let db: Database;
let rootId: number;
beforeAll(async () => {
  db = await openTestDatabase();
  [{ id: rootId }] = await db.knex('nodes').where('path', '').select('id');
});
afterAll(() => db?.close());

async function add(k: Knex | Knex.Transaction, parentId: number, path: string, type = 'ContainerNode'): Promise<number> {
  const [row] = await k('nodes').insert({ parent_id: parentId, path, name: path.split('/').pop(), type }).returning('id');
  return row.id;
}
const paths = async (prefix: string) => (await db.knex('nodes').where('path', 'like', `${prefix}%`).orderBy('path').pluck('path')) as string[];
const missingId = async () => Number((await db.knex('nodes').max('id as m').first())!.m) + 1000;

test('deleting a node by id takes its whole subtree and their properties, however deep', async () => {
  const a = await add(db.knex, rootId, 'pk1');
  const b = await add(db.knex, a, 'pk1/b');
  const c = await add(db.knex, b, 'pk1/b/c');
  await add(db.knex, c, 'pk1/b/c/d', 'DataNode');
  await db.knex('properties').insert({ node_id: c, uri: 'ivo://example.org/p#x', value: 'v' });
  await add(db.knex, rootId, 'pk1-sibling');
  expect(await db.knex('nodes').where('id', a).delete()).toBe(1);
  expect(await paths('pk1')).toEqual(['pk1-sibling']);
  expect(await db.knex('properties').where('node_id', c)).toEqual([]);
});

test('a node under a parent that is not there is refused with the key\'s error, alone or among others', async () => {
  const gone = await missingId();
  await expect(add(db.knex, gone, 'pk2')).rejects.toMatchObject({ code: PG_FOREIGN_KEY_VIOLATION });
  const ok = await add(db.knex, rootId, 'pk2-ok');
  const rows = [
    { parent_id: ok, path: 'pk2-ok/x', name: 'x', type: 'DataNode' },
    { parent_id: gone, path: 'pk2-ok/y', name: 'y', type: 'DataNode' },
  ];
  await expect(db.knex('nodes').insert(rows)).rejects.toMatchObject({ code: PG_FOREIGN_KEY_VIOLATION });
  expect(await paths('pk2')).toEqual(['pk2-ok']);
});

test('a node inserted with its parent in one statement is accepted', async () => {
  const n = await db.knex.raw(
    `WITH p AS (INSERT INTO nodes (parent_id, path, name, type) VALUES (?, 'pk3', 'pk3', 'ContainerNode') RETURNING id)
     INSERT INTO nodes (parent_id, path, name, type) SELECT id, 'pk3/child', 'child', 'DataNode' FROM p RETURNING id`,
    [rootId],
  );
  expect(n.rows).toHaveLength(1);
  expect(await paths('pk3')).toEqual(['pk3', 'pk3/child']);
});

test('moving a node under a parent that is not there is refused; other updates of the row are not checked', async () => {
  const a = await add(db.knex, rootId, 'pk4');
  const b = await add(db.knex, a, 'pk4/b');
  await expect(db.knex('nodes').where('id', b).update({ parent_id: await missingId() })).rejects.toMatchObject({ code: PG_FOREIGN_KEY_VIOLATION });
  const other = await add(db.knex, rootId, 'pk4-other');
  expect(await db.knex('nodes').where('id', b).update({ parent_id: other, path: 'pk4-other/b' })).toBe(1);
  expect(await db.knex('nodes').where('id', b).update({ size: 5 })).toBe(1);
  expect(await paths('pk4')).toEqual(['pk4', 'pk4-other', 'pk4-other/b']);
});

// Two transactions at once: the real PostgreSQL only (the embedded database has one connection).
(usePg ? test : test.skip)('a child committed while its parent was being deleted goes with it, never stays behind', async () => {
  const p = await add(db.knex, rootId, 'pk5');
  const adder = await db.knex.transaction();
  try {
    // As the service adds a node: insertNode locks the parent's row (FOR SHARE) until the transaction ends.
    expect(await insertNode(adder, { parentId: p, path: 'pk5/late', name: 'late', type: 'DataNode', ownerId: null }, [])).toBeDefined();
    let settled = false;
    const deleting = db.knex('nodes').where('path', 'pk5').orWhere('path', 'like', 'pk5/%').delete().then((n) => ((settled = true), n));
    // The delete took its snapshot before the child committed: it waits on the parent's row, then must still take the child.
    await new Promise((r) => setTimeout(r, 200));
    expect(settled).toBe(false);
    await adder.commit();
    expect(await deleting).toBe(1);
  } finally {
    if (!adder.isCompleted()) await adder.rollback();
  }
  expect(await paths('pk5')).toEqual([]);
});
