/**
 * What the CADC `vos` client needs to find and use the service: the
 * registry line it asks for by host name, the https protocols it insists on
 * when TLS is terminated by a proxy in front of the storage server, and URLs
 * in the capabilities that say https when the proxy says the client came so.
 */
import { randomBytes } from 'node:crypto';
import { negotiate } from '../helpers/client';
import { CORE, request } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { parseXml } from '../helpers/xml';

const PROXY = 'https://vospace.example.org:8443';
let plain: TestService;
let proxied: TestService;
let token: string;

beforeAll(async () => {
  plain = await startTestService();
  // The storage server speaks plain HTTP; clients reach it through a TLS proxy at PROXY.
  proxied = await startTestService({ storageParameters: { public_url: PROXY }, parameters: { trust_proxy: 'loopback' } });
  token = await proxied.user('alice');
});
afterAll(async () => {
  await plain?.close();
  await proxied?.close();
});

const accessUrls = (xml: string) => [...xml.matchAll(/<accessURL use="[a-z]+">([^<]+)<\/accessURL>/g)].map((m) => m[1]);

test('GET /reg/resource-caps maps the resource id of the vos:// URIs to the capabilities', async () => {
  const r = await request('GET', `${plain.origin}/reg/resource-caps`);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
  expect(r.text).toBe(`ivo://example.org/vospace = ${plain.base}/capabilities\n`);
  const caps = await request('GET', `${plain.base}/capabilities`);
  expect(caps.status).toBe(200);
  expect(parseXml(caps.text).local).toBe('capabilities');
});

test('a storage server behind a TLS proxy (public_url https://…): the https protocols are offered, and work', async () => {
  const protocols = (await request('GET', `${proxied.base}/protocols`)).text;
  expect(protocols).toContain(`"${CORE}httpsput"`);
  expect(protocols).toContain(`"${CORE}httpsget"`);
  expect(protocols).not.toContain(`"${CORE}httpput"`);
  // What the CADC client sends: httpsput only.
  const { endpoint } = await negotiate(proxied, token, 'alice/via-proxy.bin', 'pushToVoSpace', { sync: true, protocols: [`${CORE}httpsput`] });
  expect(endpoint.startsWith(`${PROXY}/transfer/`)).toBe(true);
  // The proxy would pass the request on to the storage server as it is.
  const bytes = randomBytes(1000);
  const put = await request('PUT', `${proxied.running.storage!.url.replace(PROXY, `http://127.0.0.1:${proxied.running.storage!.port}`)}${new URL(endpoint).pathname}`, { body: bytes });
  expect(put.status).toBe(201);
});

test('behind a trusted proxy, the capabilities name the scheme and host the client used; an untrusted X-Forwarded-Proto is ignored', async () => {
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'vospace.example.org' };
  const viaProxy = await request('GET', `${proxied.base}/capabilities`, { headers: forwarded });
  expect(accessUrls(viaProxy.text)).toContain('https://vospace.example.org/vospace/nodes');
  const caps = await request('GET', `${proxied.origin}/reg/resource-caps`, { headers: forwarded });
  expect(caps.text).toBe('ivo://example.org/vospace = https://vospace.example.org/vospace/capabilities\n');
  const direct = await request('GET', `${plain.base}/capabilities`, { headers: forwarded });
  expect(accessUrls(direct.text)).toContain(`${plain.base}/nodes`);
});
