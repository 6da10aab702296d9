/** A storage server with TLS: only the https protocols are offered, and bytes move over https. */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
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

const transfer = (direction: string, protocol: string) =>
  `<vos:transfer xmlns:vos="http://www.ivoa.net/xml/VOSpace/v2.0" version="2.1"><vos:target>${t.uri('alice/tls.bin')}</vos:target>` +
  `<vos:direction>${direction}</vos:direction><vos:protocol uri="${CORE}${protocol}"/></vos:transfer>`;

/** Negotiates synchronously; returns the transfer details document. */
async function negotiate(direction: string, protocol: string): Promise<string> {
  const posted = await request('POST', `${t.base}/synctrans`, { token, body: transfer(direction, protocol) });
  expect(posted.status).toBe(303);
  return (await request('GET', posted.headers.get('location')!, { token })).text;
}

function httpsCall(method: string, url: string, body?: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca: fs.readFileSync(cert) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const endpointOf = (details: string) => /<vos:endpoint>([^<]+)<\/vos:endpoint>/.exec(details)?.[1];

test('the protocols document offers only https', async () => {
  const doc = (await request('GET', `${t.base}/protocols`)).text;
  expect(doc).toContain(`${CORE}httpsput`);
  expect(doc).toContain(`${CORE}httpsget`);
  expect(doc).not.toContain(`${CORE}httpput"`);
  expect(doc).not.toContain(`${CORE}httpget"`);
});

test('push and pull over https, bytes intact', async () => {
  const bytes = randomBytes(3 * 1024 * 1024);
  const up = endpointOf(await negotiate('pushToVoSpace', 'httpsput'));
  expect(up).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/transfer\//);
  expect((await httpsCall('PUT', up!, bytes)).status).toBe(201);
  const down = endpointOf(await negotiate('pullFromVoSpace', 'httpsget'));
  const got = await httpsCall('GET', down!);
  expect(got.status).toBe(200);
  expect(createHash('sha256').update(got.body).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
});

test('plain http asked of a TLS storage server is ProtocolNotSupported', async () => {
  const details = await negotiate('pullFromVoSpace', 'httpget');
  expect(endpointOf(details)).toBeUndefined();
  const jobs = await request('GET', `${t.base}/transfers?LAST=1`, { token });
  const id = /<uws:jobref id="([^"]+)"/.exec(jobs.text)![1];
  const error = await request('GET', `${t.base}/transfers/${id}/error`, { token });
  expect(error.text).toBe('ProtocolNotSupported');
});
