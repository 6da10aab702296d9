/** A bare delete() answers how many rows went, on both databases (knex-pglite, the embedded driver before src/db/pgliteSocket.ts, did not count them). */
import type { Database } from '../../src/db/connection';
import { deleteJob } from '../../src/db/jobStore';
import { deleteSubtree } from '../../src/db/nodeStore';
import { openTestDatabase } from '../helpers/db';

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db?.close());

test('deleteSubtree counts the nodes that went, and a second time none', async () => {
  const [root] = await db.knex('nodes').where('path', '').select('id');
  const [a] = await db.knex('nodes').insert({ parent_id: root.id, path: 'a', name: 'a', type: 'ContainerNode' }).returning('id');
  await db.knex('nodes').insert({ parent_id: a.id, path: 'a/b', name: 'b', type: 'DataNode' });
  expect(await deleteSubtree(db.knex, 'a')).toBe(2);
  expect(await deleteSubtree(db.knex, 'a')).toBe(0);
});

test('deleteJob says whether there was a job', async () => {
  await db.knex('jobs').insert({ id: 'j1', phase: 'PENDING', execution_duration: 0, destruction: new Date(Date.now() + 60_000), transfer: JSON.stringify({}) });
  expect(await deleteJob(db.knex, 'j1')).toBe(true);
  expect(await deleteJob(db.knex, 'j1')).toBe(false);
});
