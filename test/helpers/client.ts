/**
 * The tests' VOSpace client over REST: transfer documents, UWS job documents
 * read back with a namespace-aware parser (saxes), job calls, the one
 * negotiate (async or sync, of a test service or a launched one), push and
 * pull, bytes whole (fetch) or streamed and hashed (node:http(s), a fresh
 * connection each), slow uploads, and checks of the storage directories.
 * Everything goes over real sockets; nothing here reaches into the service.
 * The GraphQL client is gql.ts.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request, nodeXml, VOS, CORE, type Reply } from './http';
import type { TestService } from './service';
import { parseXml, type El } from './xml';

export { parseXml, type El };

export const UWS = 'http://www.ivoa.net/xml/UWS/v1.0';
export const XLINK = 'http://www.w3.org/1999/xlink';
export const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
export const HTTPPUT = `${CORE}httpput`;
export const HTTPGET = `${CORE}httpget`;
export const FINAL = new Set(['COMPLETED', 'ERROR', 'ABORTED']);
export const MiB = 1024 * 1024;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * `p`'s outcome, or `late()`'s if `ms` pass first. The timer is cleared either way: one left
 * pending (a `sleep` that lost a race) holds the Jest worker open after its last test, and Jest
 * then force-exits it ("A worker process has failed to exit gracefully").
 */
export async function raceTimeout<T, L>(p: Promise<T>, ms: number, late: () => L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))).then(late);
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
export const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');
export const md5hex = (b: Buffer | Uint8Array) => createHash('md5').update(b).digest('hex');

// ---------------------------------------------------------------- XML

export const childrenOf = (el: El, ns: string, local: string) => el.children.filter((c) => c.ns === ns && c.local === local);
export const childOf = (el: El, ns: string, local: string): El | undefined => childrenOf(el, ns, local)[0];
export const textOf = (el: El | undefined) => (el?.text ?? '').trim();

// ---------------------------------------------------------------- documents

export interface TransferSpec {
  target: string;
  direction: string;
  protocols?: string[];
  view?: string;
  keepBytes?: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

export function transferXml(s: TransferSpec): string {
  const protocols = (s.protocols ?? []).map((p) => `<vos:protocol uri="${esc(p)}"/>`).join('');
  const view = s.view ? `<vos:view uri="${esc(s.view)}"/>` : '';
  const keep = s.keepBytes === undefined ? '' : `<vos:keepBytes>${s.keepBytes}</vos:keepBytes>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?><vos:transfer xmlns:vos="${VOS}" version="2.1">` +
    `<vos:target>${esc(s.target)}</vos:target><vos:direction>${esc(s.direction)}</vos:direction>${view}${protocols}${keep}</vos:transfer>`
  );
}

export interface JobDoc {
  root: El;
  id: string;
  phase: string;
  ownerId: string;
  /** Local names of the root's children, in document order. */
  order: string[];
  results: { id: string; href: string }[];
  errorMessage?: string;
  errorType?: string;
  transfer?: El;
}

export function readJob(xml: string): JobDoc {
  const root = parseXml(xml);
  if (root.ns !== UWS || root.local !== 'job') throw new Error(`not a uws:job: {${root.ns}}${root.local}\n${xml}`);
  const results = childOf(root, UWS, 'results');
  const err = childOf(root, UWS, 'errorSummary');
  const info = childOf(root, UWS, 'jobInfo');
  return {
    root,
    id: textOf(childOf(root, UWS, 'jobId')),
    phase: textOf(childOf(root, UWS, 'phase')),
    ownerId: textOf(childOf(root, UWS, 'ownerId')),
    order: root.children.map((c) => c.local),
    results: results
      ? childrenOf(results, UWS, 'result').map((r) => ({ id: r.attrs.get('id') ?? '', href: r.attrs.get(`{${XLINK}}href`) ?? '' }))
      : [],
    errorMessage: err ? textOf(childOf(err, UWS, 'message')) : undefined,
    errorType: err?.attrs.get('type'),
    transfer: info ? childOf(info, VOS, 'transfer') : undefined,
  };
}

export interface TransferDoc {
  target: string;
  direction: string;
  protocols: { uri: string; endpoint: string }[];
}

export function readTransfer(xml: string): TransferDoc {
  const root = parseXml(xml);
  if (root.ns !== VOS || root.local !== 'transfer') throw new Error(`not a vos:transfer: {${root.ns}}${root.local}\n${xml}`);
  return transferFrom(root);
}

export function transferFrom(root: El): TransferDoc {
  return {
    target: textOf(childOf(root, VOS, 'target')),
    direction: textOf(childOf(root, VOS, 'direction')),
    protocols: childrenOf(root, VOS, 'protocol').map((p) => ({ uri: p.attrs.get('uri') ?? '', endpoint: textOf(childOf(p, VOS, 'endpoint')) })),
  };
}

/** The fault name a text/plain fault body starts with. */
export const faultName = (r: Reply) => /^([A-Za-z]+)/.exec(r.text)?.[1];

// ---------------------------------------------------------------- jobs over HTTP

/** The job id from the 303 answer to POST /transfers (or another job list). */
export function jobIdFrom(t: TestService, r: Reply, list = 'transfers'): string {
  expect(r.status).toBe(303);
  const loc = r.headers.get('location') ?? '';
  const m = new RegExp(`^${t.base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/${list}/([A-Za-z0-9_-]+)$`).exec(loc);
  if (!m) throw new Error(`unexpected Location ${loc}`);
  return m[1];
}

export async function createJob(t: TestService, token: string, spec: TransferSpec | string, query = ''): Promise<string> {
  const body = typeof spec === 'string' ? spec : transferXml(spec);
  const r = await request('POST', `${t.base}/transfers${query}`, { token, body, headers: { 'content-type': 'text/xml' } });
  if (r.status !== 303) throw new Error(`POST /transfers → ${r.status} ${r.text}`);
  return jobIdFrom(t, r);
}

export async function postJob(t: TestService, token: string, id: string, form: Record<string, string>, sub = ''): Promise<Reply> {
  return request('POST', `${t.base}/transfers/${id}${sub}`, {
    token,
    body: new URLSearchParams(form).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

export async function runJob(t: TestService, token: string, id: string, phase = 'RUN'): Promise<void> {
  const r = await postJob(t, token, id, { PHASE: phase });
  expect(r.status).toBe(303);
  expect(r.headers.get('location')).toBe(`${t.base}/transfers/${id}`);
}

export async function getJob(t: TestService, token: string, id: string, query = ''): Promise<JobDoc> {
  const r = await request('GET', `${t.base}/transfers/${id}${query}`, { token });
  if (r.status !== 200) throw new Error(`GET job ${id} → ${r.status} ${r.text}`);
  return readJob(r.text);
}

/** Blocks (UWS WAIT) until the job is in a final phase, or fails after `ms`. */
export async function waitFinal(t: TestService, token: string, id: string, ms = 20000): Promise<JobDoc> {
  const until = Date.now() + ms;
  for (;;) {
    const job = await getJob(t, token, id, '?WAIT=5');
    if (FINAL.has(job.phase)) return job;
    if (Date.now() > until) throw new Error(`job ${id} still ${job.phase} after ${ms} ms`);
  }
}

/** Job calls by URL (…/transfers/{id}), for services launched as processes. */
export async function jobPhase(jobUrl: string, token: string): Promise<string> {
  const r = await request('GET', `${jobUrl}/phase`, { token });
  if (r.status !== 200) throw new Error(`GET ${jobUrl}/phase: ${r.status} ${r.text}`);
  return r.text.trim();
}

/**
 * The phase once the job has left EXECUTING (UWS blocking poll, up to SECONDS).
 * A download's job completes just after its last byte is sent, so a client
 * that has read everything may still see EXECUTING for a moment.
 */
export async function settledPhase(jobUrl: string, token: string, seconds = 10): Promise<string> {
  const r = await request('GET', `${jobUrl}?WAIT=${seconds}&PHASE=EXECUTING`, { token });
  if (r.status !== 200) throw new Error(`GET ${jobUrl}?WAIT=${seconds}: ${r.status} ${r.text}`);
  return readJob(r.text).phase;
}

export async function jobError(jobUrl: string, token: string): Promise<string> {
  const r = await request('GET', `${jobUrl}/error`, { token });
  return `${r.status} ${r.text.trim()}`;
}

export type Direction = 'pushToVoSpace' | 'pullFromVoSpace';

export interface NegotiateOptions {
  /** POST to /synctrans and follow its 303 to the transferDetails (default: POST to /transfers, then RUN). */
  sync?: boolean;
  view?: string;
  /** Protocol URIs to ask for (default: core#httpput for a push, core#httpget for a pull). */
  protocols?: string[];
  /** Return a negotiation that failed (phase ERROR, no endpoint) instead of throwing. */
  mayFail?: boolean;
}

export interface Attempt {
  id: string;
  /** …/vospace/transfers/{id} */
  jobUrl: string;
  /** The job's phase once negotiated (EXECUTING, or ERROR when it failed), read from the job document: always after an async negotiation, after a sync one only when it gave no endpoint. */
  phase?: string;
  /** The job's error message (`Fault: detail`) when it failed. */
  error?: string;
  /** Every endpoint the transfer details list (a service may list several storage servers). */
  endpoints: string[];
  /** The first of them, if any. */
  endpoint?: string;
}

export interface Negotiated extends Attempt {
  endpoint: string;
}

/**
 * Negotiates a data transfer as a client does: async, POST /transfers, RUN,
 * then read the job; sync, POST /synctrans and follow the 303 to the
 * transferDetails. AT is a test service (TARGET a node path or a vos:// URI)
 * or the base URL of a launched one (TARGET a vos:// URI). Throws when no
 * endpoint was given, unless `mayFail`.
 */
export async function negotiate(at: TestService | string, token: string, target: string, direction: Direction, opts?: NegotiateOptions & { mayFail?: false }): Promise<Negotiated>;
export async function negotiate(at: TestService | string, token: string, target: string, direction: Direction, opts: NegotiateOptions & { mayFail: true }): Promise<Attempt>;
export async function negotiate(at: TestService | string, token: string, target: string, direction: Direction, opts: NegotiateOptions = {}): Promise<Attempt> {
  const base = typeof at === 'string' ? at : at.base;
  const uri = target.startsWith('vos://') || typeof at === 'string' ? target : at.uri(target);
  const body = transferXml({ target: uri, direction, view: opts.view, protocols: opts.protocols ?? [direction === 'pushToVoSpace' ? HTTPPUT : HTTPGET] });
  const post = await request('POST', `${base}/${opts.sync ? 'synctrans' : 'transfers'}`, { token, body, headers: { 'content-type': 'text/xml' } });
  if (post.status !== 303) throw new Error(`POST ${opts.sync ? '/synctrans' : '/transfers'} ${direction} ${uri}: ${post.status} ${post.text}`);
  const location = new URL(post.headers.get('location') ?? '', base).toString();
  let jobUrl = location;
  if (opts.sync) {
    const m = /^(.*\/transfers\/[^/]+)\/results\/transferDetails$/.exec(location);
    if (!m) throw new Error(`POST /synctrans redirected to ${location}, not to a transferDetails`);
    jobUrl = m[1];
  } else {
    const run = await request('POST', jobUrl, { token, body: 'PHASE=RUN', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    if (run.status !== 303) throw new Error(`POST ${jobUrl} PHASE=RUN: ${run.status} ${run.text}`);
  }
  // Three requests for async, two for sync, as a client makes them: tests that count requests (rate limits) rely on it.
  const attempt = opts.sync ? await followDetails(location, jobUrl, token) : await readAttempt(jobUrl, token);
  if (opts.mayFail) return attempt;
  if (!attempt.endpoints.length) throw new Error(`negotiating ${direction} ${uri}: job ${attempt.phase} ${attempt.error ?? ''}, no endpoint`);
  if (typeof at !== 'string') {
    const storage = at.running.storage!.url;
    if (!attempt.endpoints[0].startsWith(`${storage}/`)) throw new Error(`endpoint ${attempt.endpoints[0]} is not on the storage server ${storage}`);
  }
  return attempt;
}

/** An async negotiation's outcome, from its job document (the negotiated transfer is its jobInfo). */
async function readAttempt(jobUrl: string, token: string): Promise<Attempt> {
  const got = await request('GET', jobUrl, { token });
  if (got.status !== 200) throw new Error(`GET ${jobUrl}: ${got.status} ${got.text}`);
  const job = readJob(got.text);
  const endpoints = job.transfer ? transferFrom(job.transfer).protocols.map((p) => p.endpoint).filter(Boolean) : [];
  return { id: job.id, jobUrl, phase: job.phase, error: job.errorMessage, endpoints, endpoint: endpoints[0] };
}

/** A sync negotiation's endpoints, from the transferDetails it redirected to; the job says why when there are none. */
async function followDetails(details: string, jobUrl: string, token: string): Promise<Attempt> {
  const got = await request('GET', details, { token });
  if (got.status !== 200) throw new Error(`GET ${details}: ${got.status} ${got.text}`);
  const endpoints = readTransfer(got.text).protocols.map((p) => p.endpoint).filter(Boolean);
  if (!endpoints.length) return readAttempt(jobUrl, token);
  return { id: jobUrl.slice(jobUrl.lastIndexOf('/') + 1), jobUrl, endpoints, endpoint: endpoints[0] };
}

/** The one endpoint served on PORT (a transferDetails may list several storage servers). */
export function endpointOnPort(n: Attempt, port: number): string {
  const mine = n.endpoints.filter((e) => new URL(e).port === String(port));
  if (mine.length !== 1) throw new Error(`expected one endpoint on port ${port}, got ${JSON.stringify(n.endpoints)}`);
  return mine[0];
}

export async function putBytes(url: string, bytes: Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  return request('PUT', url, { body: bytes, headers: { 'content-type': 'application/octet-stream', ...headers } });
}

/** GET with the body as bytes. */
export async function getBytes(url: string, opts: { token?: string; headers?: Record<string, string>; method?: string } = {}) {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(url, { method: opts.method ?? 'GET', headers, redirect: 'manual' });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body };
}

export interface PutResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface GetResult {
  status: number;
  size: number;
  sha256: string;
}

/** node:http or, for an https URL, node:https trusting CA (a PEM) when given. */
function rawRequest(url: string, opts: http.RequestOptions & { ca?: Buffer | string }): http.ClientRequest {
  return url.startsWith('https:') ? https.request(url, opts) : http.request(url, opts);
}

/**
 * PUTs the bytes (a buffer, or chunks streamed with backpressure, so never
 * held whole) over a fresh connection (node:http, or https with `ca`).
 */
export function putStream(url: string, body: Buffer | AsyncIterable<Buffer>, length: number, opts: { ca?: Buffer | string } = {}): Promise<PutResult> {
  return new Promise((resolve, reject) => {
    const req = rawRequest(url, { method: 'PUT', agent: false, ca: opts.ca, headers: { 'content-length': String(length), 'content-type': 'application/octet-stream' } });
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.once('error', reject);
    });
    req.once('error', reject);
    pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : Readable.from(body), req).catch(reject);
  });
}

/** GETs URL over a fresh connection (node:http, or https with `ca`), hashing the body as it arrives. */
export function getHashed(url: string, opts: { ca?: Buffer | string } = {}): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    rawRequest(url, { agent: false, ca: opts.ca })
      .once('response', (res) => {
        const hash = createHash('sha256');
        let size = 0;
        res.on('data', (d: Buffer) => {
          hash.update(d);
          size += d.length;
        });
        res.once('end', () => resolve({ status: res.statusCode ?? 0, size, sha256: hash.digest('hex') }));
        res.once('error', reject);
      })
      .once('error', reject)
      .end();
  });
}

/**
 * Many GETs at once, each on its own connection (Connection: close), as a
 * client that leaves the moment it has the body: the byte count of each.
 */
export function getAllAndLeave(urls: string[]): Promise<number[]> {
  const one = (url: string) =>
    new Promise<number>((resolve, reject) => {
      http
        .get(url, { agent: false }, (res) => {
          let n = 0;
          res.on('data', (d: Buffer) => (n += d.length));
          res.once('end', () => resolve(n));
          res.once('error', reject);
        })
        .once('error', reject);
    });
  return Promise.all(urls.map(one));
}

/** Full async push: negotiate, PUT; expects 201 and a COMPLETED job. */
export async function push(t: TestService, token: string, nodePath: string, bytes: Buffer): Promise<string> {
  const { id, endpoint } = await negotiate(t, token, nodePath, 'pushToVoSpace');
  const r = await putBytes(endpoint, bytes);
  if (r.status !== 201) throw new Error(`PUT ${nodePath} → ${r.status} ${r.text}`);
  return id;
}

/**
 * Full async pull: negotiate, GET; returns the bytes once the job is
 * COMPLETED (the server marks it so just after the last byte is out).
 */
export async function pull(t: TestService, token: string, nodePath: string): Promise<Buffer> {
  const { id, endpoint } = await negotiate(t, token, nodePath, 'pullFromVoSpace');
  const r = await getBytes(endpoint);
  if (r.status !== 200) throw new Error(`GET ${nodePath} → ${r.status} ${r.body.toString()}`);
  const job = await waitFinal(t, token, id);
  if (job.phase !== 'COMPLETED') throw new Error(`pull of ${nodePath}: job ${id} ended ${job.phase} ${job.errorMessage ?? ''}`);
  return r.body;
}

export async function mkdir(t: TestService, token: string, nodePath: string): Promise<void> {
  const r = await request('PUT', `${t.base}/nodes/${nodePath}`, { token, body: nodeXml(t.uri(nodePath), 'vos:ContainerNode'), headers: { 'content-type': 'text/xml' } });
  if (r.status !== 201) throw new Error(`mkdir ${nodePath} → ${r.status} ${r.text}`);
}

export async function mkdata(t: TestService, token: string, nodePath: string): Promise<void> {
  const r = await request('PUT', `${t.base}/nodes/${nodePath}`, { token, body: nodeXml(t.uri(nodePath), 'vos:DataNode'), headers: { 'content-type': 'text/xml' } });
  if (r.status !== 201) throw new Error(`create ${nodePath} → ${r.status} ${r.text}`);
}

/** A node's property (namespace-aware), or undefined. */
export async function nodeProp(t: TestService, token: string, nodePath: string, uri: string): Promise<string | undefined> {
  const r = await request('GET', `${t.base}/nodes/${nodePath}`, { token });
  if (r.status !== 200) throw new Error(`GET node ${nodePath} → ${r.status} ${r.text}`);
  const props = childOf(parseXml(r.text), VOS, 'properties');
  const p = props && childrenOf(props, VOS, 'property').find((x) => x.attrs.get('uri') === uri);
  return p?.text;
}

export interface NodeBytes {
  length?: string;
  md5?: string;
  busy?: string;
}

/** What a node document says of its bytes: core#length, core#MD5 and @busy (by base URL, for launched services). */
export async function nodeBytes(base: string, token: string, nodePath: string): Promise<NodeBytes> {
  const r = await request('GET', `${base}/nodes/${nodePath}`, { token });
  if (r.status !== 200) throw new Error(`GET /nodes/${nodePath}: ${r.status} ${r.text}`);
  const prop = (name: string) => new RegExp(`<vos:property uri="${CORE}${name}"[^>]*>([^<]*)<`).exec(r.text)?.[1];
  return { length: prop('length'), md5: prop('MD5'), busy: /<vos:node [^>]*busy="(\w+)"/.exec(r.text)?.[1] };
}

// ---------------------------------------------------------------- the storage directories

export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(full));
    else out.push(full);
  }
  return out;
}

/** sha256 of every object kept under a directory. */
export const hashesUnder = (dir: string) => filesUnder(dir).map((f) => sha256(fs.readFileSync(f)));

/** Polls until `f` holds (cleanup after an aborted upload finishes shortly after the client sees the end). */
export async function eventually(f: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await f()) return true;
    if (Date.now() > until) return false;
    await sleep(50);
  }
}

// ---------------------------------------------------------------- slow uploads

export interface SlowPutResult {
  /** The answer, when one came. */
  status?: number;
  body?: string;
  headers?: http.IncomingHttpHeaders;
  /** The request failed (reset, hang-up) before an answer came. */
  error?: Error;
  /** How many bytes were written before the end. */
  written: number;
}

export interface SlowPut {
  /** Resolves once at least `n` bytes have been handed to the socket. */
  written(n: number): Promise<void>;
  /** Stops sending and destroys the socket (a client that goes away). */
  disconnect(): void;
  /** Settles with the outcome; never rejects. */
  done: Promise<SlowPutResult>;
}

/**
 * PUTs `bytes` to `url` over node:http in `chunk`-sized writes with `delayMs`
 * between them, announcing the full Content-Length up front.
 */
export function slowPut(url: string, bytes: Buffer, opts: { chunk?: number; delayMs?: number; headers?: Record<string, string> } = {}): SlowPut {
  const chunk = opts.chunk ?? MiB;
  const delay = opts.delayMs ?? 20;
  const u = new URL(url);
  let written = 0;
  let stopped = false;
  const waiters: { n: number; resolve: () => void }[] = [];
  const notify = () => {
    for (const w of [...waiters]) {
      if (written >= w.n || stopped) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const req = http.request({
    host: u.hostname,
    port: u.port,
    path: u.pathname + u.search,
    method: 'PUT',
    // Keep-alive, as real clients (requests, undici, curl) do: a server answering early may then keep reading.
    agent,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length), ...(opts.headers ?? {}) },
  });
  const done = new Promise<SlowPutResult>((resolve) => {
    let settled = false;
    const finish = (r: Omit<SlowPutResult, 'written'>) => {
      stopped = true;
      notify();
      if (settled) return;
      settled = true;
      if (!req.destroyed) req.destroy();
      agent.destroy();
      resolve({ ...r, written });
    };
    req.on('response', (res) => {
      stopped = true;
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => finish({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', (error) => finish({ status: res.statusCode, headers: res.headers, error }));
      res.on('aborted', () => finish({ status: res.statusCode, headers: res.headers, error: new Error('response aborted') }));
    });
    req.on('error', (error) => finish({ error }));
    req.on('close', () => setTimeout(() => finish({ error: new Error('closed without an answer') }), 200));
  });
  let closed = false;
  req.once('close', () => {
    closed = true;
  });
  (async () => {
    try {
      for (let off = 0; off < bytes.length && !stopped; off += chunk) {
        const part = bytes.subarray(off, Math.min(off + chunk, bytes.length));
        await new Promise<void>((resolve) => {
          if (req.write(part) || closed) return resolve();
          const go = () => {
            req.off('drain', go);
            req.off('close', go);
            resolve();
          };
          req.on('drain', go);
          req.on('close', go);
        });
        if (closed) break;
        written += part.length;
        notify();
        if (off + chunk < bytes.length && delay) await sleep(delay);
      }
      if (!stopped) req.end();
    } catch {
      // the socket went away: `done` reports it
    }
  })();
  return {
    written: (n) =>
      new Promise<void>((resolve) => {
        waiters.push({ n, resolve });
        notify();
      }),
    disconnect: () => {
      stopped = true;
      req.destroy();
      notify();
    },
    done,
  };
}
