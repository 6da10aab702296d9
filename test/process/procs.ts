/**
 * What the process-level tests (crash, memory, shutdown, startup) share
 * beyond the launcher (../helpers/processes.ts): a small streaming HTTP
 * client for transfers (bytes generated on the fly, hashed both ways, never
 * held whole), VOSpace calls by base URL, and RSS sampling.
 */
import { createHash, randomFillSync, type Hash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request } from '../helpers/http';

export const MiB = 1024 * 1024;
export const CORE = 'ivo://ivoa.net/vospace/core#';
const VOS = 'http://www.ivoa.net/xml/VOSpace/v2.0';

/** Regular files under DIR (recursively), with their sizes; [] if DIR does not exist. */
export function filesUnder(dir: string): { name: string; size: number }[] {
  if (!fs.existsSync(dir)) return [];
  const out: { name: string; size: number }[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(e.parentPath, e.name);
    if (e.isFile()) out.push({ name: path.relative(dir, full), size: fs.statSync(full).size });
  }
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls F every STEP ms until it returns a value, or throws after MS. */
export async function waitFor<T>(what: string, f: () => T | undefined, ms: number, step = 10): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(step);
  }
}

// ------------------------------------------------------------------ VOSpace

export interface Negotiated {
  /** http://…/vospace/transfers/{id} */
  jobUrl: string;
  /** Every endpoint the transferDetails listed. */
  endpoints: string[];
}

/** A sync transfer: POST /synctrans, follow the 303 to transferDetails, read its endpoints. */
export async function negotiate(base: string, token: string, target: string, direction: 'pushToVoSpace' | 'pullFromVoSpace'): Promise<Negotiated> {
  const protocol = direction === 'pushToVoSpace' ? 'httpput' : 'httpget';
  const xml =
    `<vos:transfer xmlns:vos="${VOS}" version="2.1"><vos:target>${target}</vos:target>` +
    `<vos:direction>${direction}</vos:direction><vos:protocol uri="${CORE}${protocol}"/></vos:transfer>`;
  const post = await request('POST', `${base}/synctrans`, { token, body: xml, headers: { 'content-type': 'text/xml' } });
  if (post.status !== 303) throw new Error(`POST /synctrans ${direction} ${target}: ${post.status} ${post.text}`);
  const details = new URL(post.headers.get('location')!, base).toString();
  const m = /^(.*\/transfers\/[^/]+)\/results\/transferDetails$/.exec(details);
  if (!m) throw new Error(`POST /synctrans redirected to ${details}, not to a transferDetails`);
  const got = await request('GET', details, { token });
  if (got.status !== 200) throw new Error(`GET ${details}: ${got.status} ${got.text}`);
  const endpoints = [...got.text.matchAll(/<vos:endpoint>([^<]+)<\/vos:endpoint>/g)].map((e) => e[1]);
  if (!endpoints.length) throw new Error(`transferDetails without endpoints: ${got.text}`);
  return { jobUrl: m[1], endpoints };
}

/** The one endpoint served on PORT (a transferDetails may list several storage servers). */
export function endpointOnPort(n: Negotiated, port: number): string {
  const mine = n.endpoints.filter((e) => new URL(e).port === String(port));
  if (mine.length !== 1) throw new Error(`expected one endpoint on port ${port}, got ${JSON.stringify(n.endpoints)}`);
  return mine[0];
}

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
  const phase = /<uws:phase>([^<]*)<\/uws:phase>/.exec(r.text)?.[1];
  if (!phase) throw new Error(`no phase in ${r.text}`);
  return phase;
}

export async function jobError(jobUrl: string, token: string): Promise<string> {
  const r = await request('GET', `${jobUrl}/error`, { token });
  return `${r.status} ${r.text.trim()}`;
}

export interface NodeBytes {
  length?: string;
  md5?: string;
  busy?: string;
}

/** What a node document says of its bytes: core#length, core#MD5 and @busy. */
export async function nodeBytes(base: string, token: string, p: string): Promise<NodeBytes> {
  const r = await request('GET', `${base}/nodes/${p}`, { token });
  if (r.status !== 200) throw new Error(`GET /nodes/${p}: ${r.status} ${r.text}`);
  const prop = (name: string) => new RegExp(`<vos:property uri="${CORE}${name}"[^>]*>([^<]*)<`).exec(r.text)?.[1];
  return { length: prop('length'), md5: prop('MD5'), busy: /<vos:node [^>]*busy="(\w+)"/.exec(r.text)?.[1] };
}

// --------------------------------------------------------------- raw bytes

export interface Generated {
  /** Yields the bytes chunk by chunk; each chunk is fresh (never rewritten once handed out). */
  chunks: AsyncGenerator<Buffer>;
  /** The sha256 of what has been yielded so far (hex), once the generator is done. */
  sha256(): string;
  /** Bytes yielded so far. */
  yielded(): number;
}

/** TOTAL random bytes made on the fly in CHUNK-sized pieces, optionally paced by DELAY ms per chunk. */
export function generate(total: number, opts: { chunk?: number; delayMs?: number } = {}): Generated {
  const chunk = opts.chunk ?? MiB;
  const hash: Hash = createHash('sha256');
  let sent = 0;
  let digest: string | undefined;
  async function* chunks(): AsyncGenerator<Buffer> {
    while (sent < total) {
      if (opts.delayMs) await sleep(opts.delayMs);
      const buf = randomFillSync(Buffer.allocUnsafe(Math.min(chunk, total - sent)));
      hash.update(buf);
      sent += buf.length;
      yield buf;
    }
  }
  return {
    chunks: chunks(),
    sha256: () => (digest ??= hash.digest('hex')),
    yielded: () => sent,
  };
}

export interface PutResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** PUT the bytes (a buffer, or chunks streamed with backpressure) to URL over a fresh connection. */
export function putBytes(url: string, body: Buffer | AsyncIterable<Buffer>, length: number): Promise<PutResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', agent: false, headers: { 'content-length': String(length), 'content-type': 'application/octet-stream' } });
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

export interface GetResult {
  status: number;
  size: number;
  sha256: string;
}

/** GET URL over a fresh connection, hashing the body as it arrives. */
export function getBytes(url: string): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        const hash = createHash('sha256');
        let size = 0;
        res.on('data', (d: Buffer) => {
          hash.update(d);
          size += d.length;
        });
        res.once('end', () => resolve({ status: res.statusCode ?? 0, size, sha256: hash.digest('hex') }));
        res.once('error', reject);
      })
      .once('error', reject);
  });
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
export const md5hex = (b: Buffer) => createHash('md5').update(b).digest('hex');

// ---------------------------------------------------------------------- RSS

/** VmRSS of a process, in bytes, from /proc/PID/status. */
export function vmRss(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** Samples a process's RSS every EVERY ms until stop(); keeps the peak. */
export class RssSampler {
  peak: number;
  samples = 1;
  /** Every reading, in bytes, in order. */
  readonly timeline: number[];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number, every = 100) {
    this.peak = vmRss(pid);
    this.timeline = [this.peak];
    this.timer = setInterval(() => this.sample(), every);
  }

  private sample(): void {
    try {
      const rss = vmRss(this.pid);
      this.timeline.push(rss);
      this.peak = Math.max(this.peak, rss);
      this.samples++;
    } catch {
      // the process is gone: the test will notice it elsewhere
    }
  }

  stop(): { peak: number; samples: number } {
    clearInterval(this.timer);
    this.sample();
    return { peak: this.peak, samples: this.samples };
  }
}
