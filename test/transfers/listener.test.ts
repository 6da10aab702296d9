/**
 * The PostgreSQL LISTEN connection that carries job phase changes to
 * waiters (WAIT, subscriptions, ABORT of a running upload) comes back after
 * it drops, and re-checks its waiters for a change it may have missed.
 * PostgreSQL only: the embedded database has no such connection.
 */
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { usePg } from '../helpers/db';
import { request } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { LISTENER_NAME } from '../../src/services/jobEvents';
import { MiB, negotiate, putBytes, raceTimeout, readJob, sleep } from '../helpers/client';

let t: TestService;
let alice: string;
let admin: Knex;

(usePg ? describe : describe.skip)('the job event listener after its connection drops', () => {
  beforeAll(async () => {
    t = await startTestService();
    alice = await t.user('alice');
    admin = knexFactory({ client: 'pg', connection: t.config.space.dsn, pool: { min: 0, max: 1 } });
  });
  afterAll(async () => {
    await admin?.destroy();
    await t?.close();
  });

  /** Ends the service's listening connection from the server side, as a restart or an operator would. */
  async function killListener(): Promise<void> {
    const r = await admin.raw(
      'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = ? AND datname = current_database()',
      [LISTENER_NAME],
    );
    expect(r.rows).toEqual([{ ok: true }]);
  }

  const listenerBack = async () => {
    for (let i = 0; i < 50; i++) {
      const r = await admin.raw('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ? AND datname = current_database()', [LISTENER_NAME]);
      if (r.rows[0].n === 1) return true;
      await sleep(100);
    }
    return false;
  };

  const waitOn = (id: string, seconds: number) =>
    request('GET', `${t.base}/transfers/${id}?WAIT=${seconds}`, { token: alice }).then((r) => ({ r, at: Date.now() }));

  test('a job completing 1 s after the listener is killed wakes a WAIT=20 within 2 s', async () => {
    const { id, endpoint } = await negotiate(t, alice, 'alice/after-kill.bin', 'pushToVoSpace');
    const waiting = waitOn(id, 20);
    await sleep(200);
    await killListener();
    await sleep(1000);
    const put = await putBytes(endpoint, randomBytes(MiB));
    expect(put.status).toBe(201);
    const putDone = Date.now();
    const { r, at } = await waiting;
    expect(readJob(r.text).phase).toBe('COMPLETED');
    expect(at - putDone).toBeLessThan(2000);
    expect(await listenerBack()).toBe(true);
  });

  test('a change made while the listener was down (no notification reaches it) wakes the waiter once it is back', async () => {
    const { id } = await negotiate(t, alice, 'alice/missed.bin', 'pushToVoSpace');
    const started = Date.now();
    const waiting = waitOn(id, 20);
    await sleep(200);
    // Changed behind the service's back, without NOTIFY: only the re-check after the reconnect can see it.
    await admin('jobs').where('id', id).update({ phase: 'ABORTED', end_time: admin.fn.now() });
    await killListener();
    const { r, at } = await waiting;
    expect(readJob(r.text).phase).toBe('ABORTED');
    expect(at - started).toBeLessThan(5000);
  });

  test('a re-check that finds nothing changed does not end a WAIT early', async () => {
    const { id } = await negotiate(t, alice, 'alice/unchanged.bin', 'pushToVoSpace');
    const started = Date.now();
    const waiting = waitOn(id, 3);
    await sleep(200);
    await killListener();
    const { r, at } = await waiting;
    expect(readJob(r.text).phase).toBe('EXECUTING');
    expect(at - started).toBeGreaterThanOrEqual(2900);
  });

  test('ABORT still cuts a running upload after the listener came back', async () => {
    await killListener();
    expect(await listenerBack()).toBe(true);
    const { id, endpoint } = await negotiate(t, alice, 'alice/abort-after.bin', 'pushToVoSpace');
    // An upload that never ends by itself: the body stream stays open.
    let sender: ReadableStreamDefaultController<Uint8Array> | undefined;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (sender = c) });
    sender!.enqueue(new Uint8Array(randomBytes(64 * 1024)));
    const upload = fetch(endpoint, { method: 'PUT', body, duplex: 'half' } as RequestInit).then(
      (res) => `HTTP ${res.status}`,
      () => 'cut',
    );
    await sleep(300);
    const abort = await request('POST', `${t.base}/transfers/${id}/phase`, { token: alice, body: 'PHASE=ABORT', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(abort.status).toBe(303);
    const outcome = await raceTimeout(upload, 5000, () => 'still running');
    expect(outcome).not.toBe('still running');
    expect(outcome).not.toBe('HTTP 201');
    sender!.error(new Error('test over'));
  });
});
