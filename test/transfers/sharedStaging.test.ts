/**
 * Storage servers started from one configuration share their staging area.
 * A server that starts removes only what its own earlier run left there (the
 * staged objects of jobs it had claimed and that no longer run): an upload
 * another server is receiving at that moment goes on to its end.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RunningStorage } from '../../storage-server/server';
import { StorageServer } from '../../storage-server/server';
import { startTestService, type TestService } from '../helpers/service';
import { MiB, eventually, filesUnder, getBytes, negotiate, sha256, slowPut, waitFinal } from '../helpers/client';

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
  expect(await eventually(() => filesUnder(t.dirs.staging).length === 1)).toBe(true);
  await startAnother();
  expect(filesUnder(t.dirs.staging)).toHaveLength(1);
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
  const staged = (jobId: string) => path.join(t.dirs.staging, `${jobId}-${randomBytes(8).toString('hex')}`);
  const leftovers = { mine: staged(mine.id), theirs: staged(theirs.id), unknown: staged('noSuchJob'), stranger: path.join(t.dirs.staging, 'not-ours.tmp') };
  for (const f of Object.values(leftovers)) fs.writeFileSync(f, 'partial');

  // The other server dies and comes back at the same address.
  const port = Number(new URL(other.url).port);
  await other.close(0);
  others.splice(others.indexOf(other), 1);
  await startAnother(port);

  expect(fs.existsSync(leftovers.mine)).toBe(false);
  expect(fs.existsSync(leftovers.theirs)).toBe(true);
  expect(fs.existsSync(leftovers.unknown)).toBe(true);
  expect(fs.existsSync(leftovers.stranger)).toBe(true);
  // Its interrupted upload failed, saying why.
  const job = await waitFinal(t, alice, mine.id);
  expect(job.phase).toBe('ERROR');
  expect(job.errorMessage).toMatch(/restarted during the transfer/);
  for (const f of [leftovers.theirs, leftovers.unknown, leftovers.stranger]) fs.rmSync(f);
});
