/**
 * A storage server of its own (as `node dist/storage-server/main.js` runs it:
 * here a second one in the test's process, on the service's database) serves
 * its own /metrics: its requests, and the bytes of pushes and pulls through
 * its endpoints, data and tar views alike, exactly; the service's figures do
 * not move. Who may scrape it is decided as on the service.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';
import { StorageServer, type RunningStorage } from '../../storage-server/server';
import { CORE, expectFault, request } from '../helpers/http';
import { requests, scrape, type Scrape } from '../helpers/metrics';
import { startTestService, type TestService } from '../helpers/service';
import { HTTPGET, HTTPPUT, createJob, getBytes, mkdir, putBytes, readTransfer, runJob, transferXml, waitFinal } from '../helpers/client';

let t: TestService;
let alice: string;
let admin: string;
let other: RunningStorage;

beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice');
  admin = await t.user('root', { admin: true });
  const svc = t.running.svc;
  // No address may scrape it without a token.
  other = await new StorageServer({ ...svc, space: { ...svc.space, metricsAllow: [] }, storage: { ...svc.storage, port: 0 } }).listen();
});
afterAll(async () => {
  await other?.close(0);
  await t?.close();
});

const otherMetrics = () => scrape(`${other.url}/metrics`, admin);
const bytesOf = (direction: string) => (s: Scrape) => s.value('vospace_transfer_bytes_total', { direction });
const moved = (before: Scrape, after: Scrape, read: (s: Scrape) => number) => read(after) - read(before);

/** Negotiates a transfer and returns its endpoint on the other server. */
async function endpointOnOther(path: string, direction: 'pushToVoSpace' | 'pullFromVoSpace', view?: string): Promise<{ id: string; endpoint: string }> {
  const body = transferXml({ target: t.uri(path), direction, protocols: [direction === 'pushToVoSpace' ? HTTPPUT : HTTPGET], view });
  const id = await createJob(t, alice, body);
  await runJob(t, alice, id);
  const details = await request('GET', `${t.base}/transfers/${id}/results/transferDetails`, { token: alice });
  const endpoint = readTransfer(details.text).protocols.find((p) => p.endpoint.startsWith(`${other.url}/`))?.endpoint;
  if (!endpoint) throw new Error(`no endpoint on ${other.url}: ${details.text}`);
  return { id, endpoint };
}

async function tarOf(files: Record<string, Buffer>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const collecting = pipeline(p, new Writable({ write: (c: Buffer, _e, cb) => void (chunks.push(c), cb()) }));
  for (const [name, data] of Object.entries(files)) p.entry({ name, mode: 0o644 }, data);
  p.finalize();
  await collecting;
  return Buffer.concat(chunks);
}

test('its own figures: requests and the exact bytes of a push and a pull, data and tar; the service counts none of them', async () => {
  const data = randomBytes(123_457);
  const serviceBefore = await scrape(`${t.origin}/metrics`);
  const before = await otherMetrics();

  const put = await endpointOnOther('alice/o.bin', 'pushToVoSpace');
  expect((await putBytes(put.endpoint, data)).status).toBe(201);
  const get = await endpointOnOther('alice/o.bin', 'pullFromVoSpace');
  const got = await getBytes(get.endpoint);
  expect(got.body.equals(data)).toBe(true);
  expect((await waitFinal(t, alice, get.id)).phase).toBe('COMPLETED');
  const afterData = await otherMetrics();
  expect(moved(before, afterData, bytesOf('upload'))).toBe(data.length);
  expect(moved(before, afterData, bytesOf('download'))).toBe(data.length);
  expect(moved(before, afterData, (s) => requests(s, 'transfer.put', 201))).toBe(1);
  expect(moved(before, afterData, (s) => requests(s, 'transfer.get', 200))).toBe(1);

  // A tar view: the archive's bytes, both ways.
  await mkdir(t, alice, 'alice/t');
  const archive = await tarOf({ 'a.txt': randomBytes(5000), 'b.txt': randomBytes(70_000) });
  const tarPut = await endpointOnOther('alice/t', 'pushToVoSpace', `${CORE}tar`);
  expect((await putBytes(tarPut.endpoint, archive)).status).toBe(201);
  const tarGet = await endpointOnOther('alice/t', 'pullFromVoSpace', `${CORE}tar`);
  const tarBody = await getBytes(tarGet.endpoint);
  expect(tarBody.status).toBe(200);
  expect((await waitFinal(t, alice, tarGet.id)).phase).toBe('COMPLETED');
  const afterTar = await otherMetrics();
  expect(moved(afterData, afterTar, bytesOf('upload'))).toBe(archive.length);
  expect(moved(afterData, afterTar, bytesOf('download'))).toBe(tarBody.body.length);

  const serviceAfter = await scrape(`${t.origin}/metrics`);
  expect(moved(serviceBefore, serviceAfter, bytesOf('upload'))).toBe(0);
  expect(moved(serviceBefore, serviceAfter, bytesOf('download'))).toBe(0);
  expect(moved(serviceBefore, serviceAfter, (s) => requests(s, 'transfer.put', 201))).toBe(0);
  // A storage server shows no job counts (the service does); its pool and the process figures it does.
  expect(afterTar.has('vospace_jobs')).toBe(false);
  expect(afterTar.has('vospace_db_pool_max_connections')).toBe(true);
  expect(afterTar.has('process_resident_memory_bytes')).toBe(true);
});

test('an admin token is served; no token, a user token or a bad token is refused', async () => {
  const url = `${other.url}/metrics`;
  expectFault(await request('GET', url), 403, 'PermissionDenied');
  expectFault(await request('GET', url, { token: alice }), 403, 'PermissionDenied');
  expectFault(await request('GET', url, { token: 'vos_notarealtokennotarealtoken' }), 401, 'InvalidToken');
  expect((await otherMetrics()).has('vospace_transfer_bytes_total')).toBe(true);
});

test('inside the service, the storage server serves no /metrics of its own: the service shows its figures', async () => {
  expectFault(await request('GET', `${t.running.storage!.url}/metrics`, { token: admin }), 404, 'NotFound');
});
