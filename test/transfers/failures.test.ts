/**
 * A failure on the server side (an I/O error, not a fault of the request)
 * tells the client the fault and a short reason, never a server path or the
 * system's own message: not in the HTTP answer, not in the job's error
 * summary or /error, not through GraphQL. The detail goes to the log.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { gqlOk } from '../helpers/gql';
import { request } from '../helpers/http';
import type { TestService } from '../helpers/service';
import { startWithUsers } from '../helpers/users';
import { MiB, createJob, eventually, getJob, negotiate, push, slowPut, waitFinal } from '../helpers/client';

let t: TestService;
let alice: string;

beforeAll(async () => ({ t, tokens: { alice } } = await startWithUsers({ alice: {} })));
afterAll(() => t?.close());

/** Everything a client can read about a failed job. */
async function whatTheClientSees(id: string): Promise<string> {
  const doc = await request('GET', `${t.base}/transfers/${id}`, { token: alice });
  const error = await request('GET', `${t.base}/transfers/${id}/error`, { token: alice });
  const q = await gqlOk(t, `query($id: String!) { job(id: $id) { error { fault message } } }`, { id }, alice);
  return [doc.text, error.text, JSON.stringify(q)].join('\n');
}

function expectNoServerDetail(text: string): void {
  const { endpoint, bucket } = t.config.storage.parameters; // set under s3
  for (const where of [t.dirs.root, t.dirs.staging, path.dirname(t.dirs.root), endpoint, bucket]) if (typeof where === 'string') expect(text).not.toContain(where);
  expect(text).not.toMatch(/ENOENT|EACCES|rename|\/tmp\/|NoSuch|objects\//);
}

test('an upload whose staged object vanished before the commit: 500 TransferFailed with a short reason', async () => {
  const { id, endpoint } = await negotiate(t, alice, 'alice/vanish.bin', 'pushToVoSpace');
  // Long enough (over a second) that the object goes while the bytes are still coming.
  const put = slowPut(endpoint, randomBytes(16 * MiB), { chunk: 256 * 1024, delayMs: 20 });
  await put.written(MiB);
  expect(await eventually(async () => (await t.staged()).length === 1)).toBe(true);
  // Behind the storage server's back (posix: the staged file is deleted; s3: its multipart upload is aborted).
  for (const ref of await t.staged()) await t.running.svc.backend.discard(ref);
  const out = await put.done;
  expect(out.status).toBe(500);
  expect(out.body).toMatch(/^TransferFailed: /);
  expectNoServerDetail(out.body ?? '');
  const job = await waitFinal(t, alice, id);
  expect(job.phase).toBe('ERROR');
  expect(job.errorMessage).toMatch(/^TransferFailed: the transfer failed on the server; the error is logged/);
  expectNoServerDetail(await whatTheClientSees(id));
});

test("a copy whose source's bytes are gone from the store: ERROR TransferFailed with a short reason", async () => {
  await push(t, alice, 'alice/src.bin', randomBytes(1000));
  const stored = await t.objects();
  expect(stored).toHaveLength(1);
  for (const o of stored) await t.running.svc.backend.remove(o);
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
