/**
 * A push to a node that does not exist creates it, but only once nothing can
 * refuse the push any more: a refusal of any kind at negotiation (protocol,
 * view, permission, quota, no live storage server) leaves no node behind, and
 * a push that ends without its bytes (refused or cut at the storage server,
 * aborted) takes away the empty node it made, unless something else has used
 * it since. Pushes to one new path negotiated at once all get an endpoint.
 */
import { randomBytes } from 'node:crypto';
import { CORE, VOS, nodeXml, request } from '../helpers/http';
import type { TestService } from '../helpers/service';
import { startWithUsers } from '../helpers/users';
import {
  HTTPPUT, MiB, createJob, getBytes, getJob, negotiate, postJob, putBytes, readTransfer, runJob, sleep, slowPut, waitFinal, type TransferSpec,
} from '../helpers/client';

let t: TestService;
let alice: string;
let bob: string;
let admin: string;

beforeAll(async () => ({ t, tokens: { alice, bob, root: admin } } = await startWithUsers({ alice: {}, bob: {}, root: { admin: true } })));
afterAll(() => t?.close());

const xml = { 'content-type': 'text/xml' };
const status = async (path: string, token = alice) => (await request('GET', `${t.base}/nodes/${path}`, { token })).status;
const pushSpec = (path: string, more: Partial<TransferSpec> = {}): TransferSpec => ({ target: t.uri(path), direction: 'pushToVoSpace', protocols: [HTTPPUT], ...more });

/** Creates and runs a push job; returns how it ended. */
async function refusedPush(token: string, spec: TransferSpec | string): Promise<{ phase: string; error?: string }> {
  const id = await createJob(t, token, spec);
  await runJob(t, token, id);
  const job = await waitFinal(t, token, id);
  return { phase: job.phase, error: job.errorMessage?.replace(/:.*$/s, '') };
}

async function mkdir(path: string, token = alice) {
  expect((await request('PUT', `${t.base}/nodes/${path}`, { token, body: nodeXml(t.uri(path), 'vos:ContainerNode'), headers: xml })).status).toBe(201);
}

describe('a push refused at negotiation leaves no node behind', () => {
  test('a protocol the service does not offer (httpsput on plain HTTP)', async () => {
    expect(await refusedPush(alice, pushSpec('alice/https.bin', { protocols: [`${CORE}httpsput`] }))).toEqual({ phase: 'ERROR', error: 'ProtocolNotSupported' });
    expect(await status('alice/https.bin')).toBe(404);
  });

  test('a view a data node does not accept', async () => {
    expect(await refusedPush(alice, pushSpec('alice/view.bin', { view: 'ivo://example.org/views#nothing' }))).toEqual({ phase: 'ERROR', error: 'ViewNotSupported' });
    expect(await status('alice/view.bin')).toBe(404);
  });

  test('no permission to create in the container', async () => {
    expect(await refusedPush(bob, pushSpec('alice/bobs.bin'))).toEqual({ phase: 'ERROR', error: 'PermissionDenied' });
    expect(await status('alice/bobs.bin')).toBe(404);
  });

  test('a declared length over the quota', async () => {
    await mkdir('alice/q');
    const quota = nodeXml(t.uri('alice/q'), 'vos:ContainerNode', [{ uri: `${CORE}quota`, value: '1000' }]);
    expect((await request('POST', `${t.base}/nodes/alice/q`, { token: admin, body: quota, headers: xml })).status).toBe(200);
    const doc =
      `<vos:transfer xmlns:vos="${VOS}" version="2.1"><vos:target>${t.uri('alice/q/big.bin')}</vos:target>` +
      `<vos:direction>pushToVoSpace</vos:direction><vos:protocol uri="${HTTPPUT}"/><vos:param uri="${CORE}length">5000</vos:param></vos:transfer>`;
    expect(await refusedPush(alice, doc)).toEqual({ phase: 'ERROR', error: 'QuotaExceeded' });
    expect(await status('alice/q/big.bin')).toBe(404);
  });

  test('no live storage server', async () => {
    const db = t.running.svc.db;
    const id = t.running.storage!.id;
    const { heartbeat_at: was } = await db('storage_servers').where({ id }).first('heartbeat_at');
    await db('storage_servers').where({ id }).update({ heartbeat_at: db.raw(`now() - interval '1 hour'`) });
    // The service keeps the list of live servers for up to 2 s.
    await sleep(2100);
    try {
      expect(await refusedPush(alice, pushSpec('alice/nowhere.bin'))).toEqual({ phase: 'ERROR', error: 'TransferFailed' });
    } finally {
      await db('storage_servers').where({ id }).update({ heartbeat_at: was });
    }
    expect(await status('alice/nowhere.bin')).toBe(404);
  });

  test('the sync form (GET /synctrans) refused the same way', async () => {
    const q = new URLSearchParams({ TARGET: t.uri('alice/sync.bin'), DIRECTION: 'pushToVoSpace', PROTOCOL: `${CORE}httpsput` });
    const r = await request('GET', `${t.base}/synctrans?${q}`, { token: alice });
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/^ProtocolNotSupported/);
    expect(await status('alice/sync.bin')).toBe(404);
  });
});

describe('a push that ends without its bytes takes away the node it made', () => {
  test('refused at the storage server (Content-Length over the quota)', async () => {
    await mkdir('alice/small');
    const quota = nodeXml(t.uri('alice/small'), 'vos:ContainerNode', [{ uri: `${CORE}quota`, value: '100' }]);
    expect((await request('POST', `${t.base}/nodes/alice/small`, { token: admin, body: quota, headers: xml })).status).toBe(200);
    const { id, endpoint } = await negotiate(t, alice, 'alice/small/f.bin', 'pushToVoSpace');
    expect(await status('alice/small/f.bin')).toBe(200);
    expect((await putBytes(endpoint, randomBytes(1000))).status).toBe(413);
    expect((await waitFinal(t, alice, id)).phase).toBe('ERROR');
    expect(await status('alice/small/f.bin')).toBe(404);
  });

  test('aborted before any byte', async () => {
    const { id } = await negotiate(t, alice, 'alice/aborted.bin', 'pushToVoSpace');
    expect(await status('alice/aborted.bin')).toBe(200);
    await runJob(t, alice, id, 'ABORT');
    expect((await getJob(t, alice, id)).phase).toBe('ABORTED');
    expect(await status('alice/aborted.bin')).toBe(404);
  });

  test('cut off midway by the client', async () => {
    const { id, endpoint } = await negotiate(t, alice, 'alice/cut.bin', 'pushToVoSpace');
    const put = slowPut(endpoint, randomBytes(8 * MiB), { chunk: 256 * 1024, delayMs: 20 });
    await put.written(MiB);
    put.disconnect();
    await put.done;
    expect((await waitFinal(t, alice, id)).phase).toBe('ERROR');
    expect(await status('alice/cut.bin')).toBe(404);
  });

  test('a node given properties since, or with another push on its way, stays', async () => {
    const first = await negotiate(t, alice, 'alice/tagged.bin', 'pushToVoSpace');
    const tag = nodeXml(t.uri('alice/tagged.bin'), 'vos:DataNode', [{ uri: `${CORE}title`, value: 'kept' }]);
    expect((await request('POST', `${t.base}/nodes/alice/tagged.bin`, { token: alice, body: tag, headers: xml })).status).toBe(200);
    await runJob(t, alice, first.id, 'ABORT');
    expect(await status('alice/tagged.bin')).toBe(200);

    const a = await negotiate(t, alice, 'alice/shared.bin', 'pushToVoSpace');
    const b = await negotiate(t, alice, 'alice/shared.bin', 'pushToVoSpace');
    await runJob(t, alice, a.id, 'ABORT');
    expect(await status('alice/shared.bin')).toBe(200);
    const bytes = randomBytes(1234);
    expect((await putBytes(b.endpoint, bytes)).status).toBe(201);
    expect((await waitFinal(t, alice, b.id)).phase).toBe('COMPLETED');
  });

  test('a completed push keeps its node, and a later failed push to it leaves it in place', async () => {
    const { endpoint } = await negotiate(t, alice, 'alice/done.bin', 'pushToVoSpace');
    expect((await putBytes(endpoint, randomBytes(10))).status).toBe(201);
    const again = await negotiate(t, alice, 'alice/done.bin', 'pushToVoSpace');
    await runJob(t, alice, again.id, 'ABORT');
    expect(await status('alice/done.bin')).toBe(200);
  });
});

test('twenty pushes to one new path negotiated at once each get an endpoint; their writers then take turns', async () => {
  const ids = await Promise.all(Array.from({ length: 20 }, () => createJob(t, alice, pushSpec('alice/race.bin'))));
  const runs = await Promise.all(ids.map((id) => postJob(t, alice, id, { PHASE: 'RUN' })));
  expect(runs.map((r) => r.status)).toEqual(ids.map(() => 303));
  const jobs = await Promise.all(ids.map((id) => getJob(t, alice, id)));
  expect(jobs.map((j) => `${j.phase} ${j.errorMessage ?? ''}`.trim())).toEqual(ids.map(() => 'EXECUTING'));
  let last: Buffer | undefined;
  for (const id of ids) {
    const details = await request('GET', `${t.base}/transfers/${id}/results/transferDetails`, { token: alice });
    const [p] = readTransfer(details.text).protocols;
    last = randomBytes(100);
    expect((await putBytes(p.endpoint, last)).status).toBe(201);
  }
  const got = await getBytes(`${t.base}/files/alice/race.bin`, { token: alice });
  expect(got.body.equals(last!)).toBe(true);
  const children = await request('GET', `${t.base}/nodes/alice?detail=min`, { token: alice });
  expect(children.text.match(/race\.bin/g)).toHaveLength(1);
});
