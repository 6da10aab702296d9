/**
 * A delete that PostgreSQL rolls back to end a deadlock runs again rather
 * than answering 500 (the fuzz suite met one on PostgreSQL: a move, which
 * carries on after its job's answer, locking the rows of the tree being
 * deleted in another order). Here the other side is a transaction of the
 * test's own: it holds a property row of a child, which the delete's cascade
 * reaches after it has locked the nodes, then asks for the container's row.
 * The delete waited first, so its backend finds the deadlock and is the one
 * rolled back. PostgreSQL only: the embedded database has one connection, so
 * no two transactions meet there.
 */
import { request, nodeXml, CORE } from '../helpers/http';
import { usePg } from '../helpers/db';
import type { TestService } from '../helpers/service';
import { startWithUsers } from '../helpers/users';

let t: TestService;
let alice: string;
beforeAll(async () => ({ t, tokens: { alice } } = await startWithUsers({ alice: {} })));
afterAll(() => t?.close());

const put = (p: string, type: string, props: { uri: string; value: string }[] = []) =>
  request('PUT', `${t.base}/nodes/${p}`, { token: alice, body: nodeXml(t.uri(p), type, props), headers: { 'content-type': 'text/xml' } });

(usePg ? test : test.skip)('a delete rolled back by a deadlock runs again and deletes the tree (204, not 500)', async () => {
  expect((await put('alice/dl', 'vos:ContainerNode')).status).toBe(201);
  expect((await put('alice/dl/a', 'vos:DataNode', [{ uri: `${CORE}title`, value: 'a' }])).status).toBe(201);
  const knex = t.running.db.knex;
  const { id } = await knex('nodes').where('path', 'alice/dl/a').first('id');
  const trx = await knex.transaction();
  try {
    await trx('properties').where('node_id', id).update({ value: 'held' });
    const deleting = request('DELETE', `${t.base}/nodes/alice/dl`, { token: alice });
    // The delete has locked the nodes and waits for the property row.
    const waiting = async () => Number((await knex.raw("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rows[0].n);
    for (let i = 0; (await waiting()) === 0; i++) {
      if (i > 200) throw new Error('the delete never waited for the held row');
      await new Promise((ok) => setTimeout(ok, 25));
    }
    // Now this side waits for the delete: a deadlock, which the delete's backend finds (it waited first).
    await trx('nodes').where('path', 'alice/dl').update({ name: 'dl' });
    await trx.rollback();
    const deleted = await deleting;
    expect({ status: deleted.status, text: deleted.text }).toEqual({ status: 204, text: '' });
  } finally {
    if (!trx.isCompleted()) await trx.rollback();
  }
  expect((await request('GET', `${t.base}/nodes/alice/dl`, { token: alice })).status).toBe(404);
});
