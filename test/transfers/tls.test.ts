/** A storage server with TLS: only the https protocols are offered, and bytes move over https. */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getHashed, negotiate, putStream, sha256 } from '../helpers/client';
import { CORE, request } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vospace-tls-'));
const cert = path.join(dir, 'cert.pem');
const key = path.join(dir, 'key.pem');
let t: TestService;
let token: string;

beforeAll(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  t = await startTestService({ storage: { use_ssl: '1', cert_file: cert, key_file: key } });
  token = await t.user('alice');
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Options for a sync negotiation that asks for one protocol. */
const over = (protocol: string) => ({ sync: true, protocols: [`${CORE}${protocol}`] });

test('the protocols document offers only https', async () => {
  const doc = (await request('GET', `${t.base}/protocols`)).text;
  expect(doc).toContain(`${CORE}httpsput`);
  expect(doc).toContain(`${CORE}httpsget`);
  expect(doc).not.toContain(`${CORE}httpput"`);
  expect(doc).not.toContain(`${CORE}httpget"`);
});

test('push and pull over https, bytes intact', async () => {
  const bytes = randomBytes(3 * 1024 * 1024);
  const ca = fs.readFileSync(cert);
  const up = await negotiate(t, token, 'alice/tls.bin', 'pushToVoSpace', over('httpsput'));
  expect(up.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/transfer\//);
  expect((await putStream(up.endpoint, bytes, bytes.length, { ca })).status).toBe(201);
  const down = await negotiate(t, token, 'alice/tls.bin', 'pullFromVoSpace', over('httpsget'));
  expect(await getHashed(down.endpoint, { ca })).toEqual({ status: 200, size: bytes.length, sha256: sha256(bytes) });
});

test('plain http asked of a TLS storage server is ProtocolNotSupported', async () => {
  const plain = await negotiate(t, token, 'alice/tls.bin', 'pullFromVoSpace', { ...over('httpget'), mayFail: true });
  expect(plain.endpoint).toBeUndefined();
  const error = await request('GET', `${plain.jobUrl}/error`, { token });
  expect(error.text).toBe('ProtocolNotSupported');
});
