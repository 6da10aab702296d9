/**
 * Storage servers started from one configuration share their staging area.
 * A server that starts removes only what its own earlier run left there (the
 * staged objects of jobs it had claimed and that no longer run): an upload
 * another server is receiving at that moment goes on to its end.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { RunningStorage } from '../../storage-server/server';
import { StorageServer } from '../../storage-server/server';
import { startTestService, type TestService } from '../helpers/service';
import { MiB, eventually, getBytes, negotiate, sha256, slowPut, waitFinal } from '../helpers/client';

let t: TestService;
let alice: string;
const others: RunningStorage[] = [];

beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice');
});
afterAll(async () => {
  for (const s of others) await s.close(0);
  await t?.close();
});

/** Another storage server in this process, on the same database and directories (on `port`, or a new one). */
async function startAnother(port = 0): Promise<RunningStorage> {
  const svc = t.running.svc;
  const s = await new StorageServer({ ...svc, storage: { ...svc.storage, port } }).listen();
  others.push(s);
  return s;
}

test('a server starting while another receives an upload leaves that upload alone', async () => {
  const bytes = randomBytes(6 * MiB);
  const { id, endpoint } = await negotiate(t, alice, 'alice/busy.bin', 'pushToVoSpace');
  const put = slowPut(endpoint, bytes, { chunk: 256 * 1024, delayMs: 25 });
  await put.written(MiB);
  expect(await eventually(async () => (await t.staged()).length === 1)).toBe(true);
  const staged = await t.staged();
  await startAnother();
  expect(await t.staged()).toEqual(staged);
  const out = await put.done;
  expect({ status: out.status, body: out.body }).toEqual({ status: 201, body: '' });
  expect((await waitFinal(t, alice, id)).phase).toBe('COMPLETED');
  const got = await getBytes(`${t.base}/files/alice/busy.bin`, { token: alice });
  expect(sha256(got.body)).toBe(sha256(bytes));
});

test("a restarted server removes its own earlier run's leftovers, and nothing else", async () => {
  const other = await startAnother();
  const db = t.running.svc.db;
  // Two uploads cut short: one the other server was receiving, one the first server was.
  const mine = await negotiate(t, alice, 'alice/mine.bin', 'pushToVoSpace');
  const theirs = await negotiate(t, alice, 'alice/theirs.bin', 'pushToVoSpace');
  await db('jobs').where('id', mine.id).update({ claimed_by: other.id, endpoint_used: true });
  await db('jobs').where('id', theirs.id).update({ claimed_by: t.running.storage!.id, endpoint_used: true, phase: 'ERROR' });
  // What each upload had staged when it was cut, made through the backend as the storage server makes it.
  const backend = t.running.svc.backend;
  const staged = async (jobId: string) => {
    const s = await backend.stage(jobId);
    s.stream.end('partial');
    await once(s.stream, 'finish');
    return s.ref;
  };
  const leftovers = { mine: await staged(mine.id), theirs: await staged(theirs.id), unknown: await staged('noSuchJob') };
  const stranger = 'not-ours.tmp';
  await t.putStranger(stranger);
  const objects = await t.objects();
  expect(await t.staged()).toEqual(Object.values(leftovers).sort());

  // The other server dies and comes back at the same address.
  const port = Number(new URL(other.url).port);
  await other.close(0);
  others.splice(others.indexOf(other), 1);
  await startAnother(port);

  expect(await t.staged()).toEqual([leftovers.theirs, leftovers.unknown].sort());
  expect(await t.stagingArea()).toContain(stranger);
  // Its bytes went with it (under s3, the object beside the marker).
  expect(await t.objects()).toEqual(objects);
  // Its interrupted upload failed, saying why.
  const job = await waitFinal(t, alice, mine.id);
  expect(job.phase).toBe('ERROR');
  expect(job.errorMessage).toMatch(/restarted during the transfer/);
  for (const ref of [leftovers.theirs, leftovers.unknown]) await backend.discard(ref);
});
