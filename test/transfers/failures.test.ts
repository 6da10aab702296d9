/**
 * A failure on the server side (an I/O error, not a fault of the request)
 * tells the client the fault and a short reason, never a server path or the
 * system's own message: not in the HTTP answer, not in the job's error
 * summary or /error, not through GraphQL. The detail goes to the log.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { gqlOk } from '../helpers/gql';
import { request } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { MiB, createJob, eventually, filesUnder, getJob, negotiate, push, slowPut, waitFinal } from '../helpers/client';

let t: TestService;
let alice: string;

beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice');
});
afterAll(() => t?.close());

/** Everything a client can read about a failed job. */
async function whatTheClientSees(id: string): Promise<string> {
  const doc = await request('GET', `${t.base}/transfers/${id}`, { token: alice });
  const error = await request('GET', `${t.base}/transfers/${id}/error`, { token: alice });
  const q = await gqlOk(t, `query($id: String!) { job(id: $id) { error { fault message } } }`, { id }, alice);
  return [doc.text, error.text, JSON.stringify(q)].join('\n');
}

function expectNoServerDetail(text: string): void {
  for (const dir of [t.dirs.root, t.dirs.staging, path.dirname(t.dirs.root)]) expect(text).not.toContain(dir);
  expect(text).not.toMatch(/ENOENT|EACCES|rename|\/tmp\//);
}

test('an upload whose staged file vanished before the commit: 500 TransferFailed with a short reason', async () => {
  const { id, endpoint } = await negotiate(t, alice, 'alice/vanish.bin', 'pushToVoSpace');
  const put = slowPut(endpoint, randomBytes(4 * MiB), { chunk: 256 * 1024, delayMs: 20 });
  await put.written(MiB);
  expect(await eventually(() => filesUnder(t.dirs.staging).length === 1)).toBe(true);
  for (const f of filesUnder(t.dirs.staging)) fs.rmSync(f);
  const out = await put.done;
  expect(out.status).toBe(500);
  expect(out.body).toMatch(/^TransferFailed: /);
  expectNoServerDetail(out.body ?? '');
  const job = await waitFinal(t, alice, id);
  expect(job.phase).toBe('ERROR');
  expect(job.errorMessage).toMatch(/^TransferFailed: the transfer failed on the server; the error is logged/);
  expectNoServerDetail(await whatTheClientSees(id));
});

test("a copy whose source's bytes are gone from the disk: ERROR TransferFailed with a short reason", async () => {
  await push(t, alice, 'alice/src.bin', randomBytes(1000));
  for (const f of filesUnder(t.dirs.root)) fs.rmSync(f);
  const id = await createJob(
    t,
    alice,
    { target: t.uri('alice/src.bin'), direction: t.uri('alice/copy.bin'), keepBytes: true },
    '?PHASE=RUN',
  );
  const job = await waitFinal(t, alice, id);
  expect(job.phase).toBe('ERROR');
  expect(job.errorMessage).toMatch(/^TransferFailed: copying the bytes of vos:\/\/example.org!vospace\/alice\/src.bin failed; the error is logged$/);
  expectNoServerDetail(await whatTheClientSees(id));
  expect((await getJob(t, alice, id)).phase).toBe('ERROR');
});
