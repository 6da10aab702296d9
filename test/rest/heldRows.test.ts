/**
 * Changes that meet rows another transaction holds. A move, a copy or a
 * recursive job carries on after the answer that starts it, locking rows in
 * its own order: where PostgreSQL ends a deadlock by rolling a DELETE or a
 * setNode back, it runs again rather than answering 500 (the fuzz suite met
 * one for a DELETE, test/transfers/racingMoves.test.ts for a recursive
 * setprops); and a setNode on a node deleted meanwhile is 404. Here the other
 * side is a transaction of the test's own, which makes each case happen every
 * time. PostgreSQL only: the embedded database has one connection, so no two
 * transactions meet there.
 */
import { request, nodeXml, CORE } from '../helpers/http';
import { usePg } from '../helpers/db';
import type { TestService } from '../helpers/service';
import { startWithUsers } from '../helpers/users';
import type { Knex } from 'knex';

let t: TestService;
let alice: string;
let root: string;
let knex: Knex;
beforeAll(async () => {
  ({ t, tokens: { alice, root } } = await startWithUsers({ alice: {}, root: { admin: true } }));
  knex = t.running.db.knex;
});
afterAll(() => t?.close());

const xml = { 'content-type': 'text/xml' };
const put = (p: string, type: string, props: { uri: string; value: string }[] = []) =>
  request('PUT', `${t.base}/nodes/${p}`, { token: alice, body: nodeXml(t.uri(p), type, props), headers: xml });
const post = (p: string, props: { uri: string; value: string }[], token = alice) =>
  request('POST', `${t.base}/nodes/${p}`, { token, body: nodeXml(t.uri(p), '', props), headers: xml });

/** Until another backend of this database waits for a lock (the request under test, blocked by the test's transaction). */
async function someoneWaits(): Promise<void> {
  const waiting = async () => Number((await knex.raw("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows[0].n);
  for (let i = 0; (await waiting()) === 0; i++) {
    if (i > 200) throw new Error('the request never waited for the held row');
    await new Promise((ok) => setTimeout(ok, 25));
  }
}

/** Runs `hold` in a transaction of the test's own, which is rolled back at the end whatever happens. */
async function holding(hold: (trx: Knex.Transaction) => Promise<void>): Promise<void> {
  const trx = await knex.transaction();
  try {
    await hold(trx);
  } finally {
    if (!trx.isCompleted()) await trx.rollback();
  }
}

const pgTest = usePg ? test : test.skip;

pgTest('a delete rolled back by a deadlock runs again and deletes the tree (204, not 500)', async () => {
  expect((await put('alice/dl', 'vos:ContainerNode')).status).toBe(201);
  expect((await put('alice/dl/a', 'vos:DataNode', [{ uri: `${CORE}title`, value: 'a' }])).status).toBe(201);
  const { id } = await knex('nodes').where('path', 'alice/dl/a').first('id');
  await holding(async (trx) => {
    await trx('properties').where('node_id', id).update({ value: 'held' });
    const deleting = request('DELETE', `${t.base}/nodes/alice/dl`, { token: alice });
    // The delete has locked the nodes and waits for the property row.
    await someoneWaits();
    // Now this side waits for the delete: a deadlock, which the delete's backend finds (it waited first).
    await trx('nodes').where('path', 'alice/dl').update({ name: 'dl' });
    await trx.rollback();
    const deleted = await deleting;
    expect({ status: deleted.status, text: deleted.text }).toEqual({ status: 204, text: '' });
  });
  expect((await request('GET', `${t.base}/nodes/alice/dl`, { token: alice })).status).toBe(404);
});

pgTest('a setNode rolled back by a deadlock runs again and makes its change (200, not 500)', async () => {
  // Under a quota, setNode locks the quota's container first, then changes the node.
  expect((await put('alice/sq', 'vos:ContainerNode')).status).toBe(201);
  expect((await post('alice/sq', [{ uri: `${CORE}quota`, value: '1000000' }], root)).status).toBe(200);
  expect((await put('alice/sq/a', 'vos:DataNode')).status).toBe(201);
  await holding(async (trx) => {
    await trx('nodes').where('path', 'alice/sq/a').update({ name: 'a' });
    const changing = post('alice/sq/a', [{ uri: `${CORE}title`, value: 'after the deadlock' }]);
    await someoneWaits();
    await trx('nodes').where('path', 'alice/sq').update({ name: 'sq' });
    await trx.rollback();
    const changed = await changing;
    expect(changed.status).toBe(200);
  });
  const got = await request('GET', `${t.base}/nodes/alice/sq/a`, { token: alice });
  expect(got.text).toContain('after the deadlock');
});

pgTest('a setNode on a node deleted while it waited is 404 NodeNotFound (not 500) and leaves no property behind', async () => {
  expect((await put('alice/gone', 'vos:DataNode', [{ uri: `${CORE}title`, value: 'before' }])).status).toBe(201);
  const { id } = await knex('nodes').where('path', 'alice/gone').first('id');
  await holding(async (trx) => {
    await trx('nodes').where('id', id).delete();
    const changing = post('alice/gone', [{ uri: `${CORE}description`, value: 'too late' }]);
    await someoneWaits();
    await trx.commit();
    const changed = await changing;
    expect({ status: changed.status, text: changed.text }).toEqual({ status: 404, text: expect.stringMatching(/^NodeNotFound\b/) });
  });
  expect(await knex('properties').where('node_id', id).count({ n: '*' })).toEqual([{ n: '0' }]);
});
