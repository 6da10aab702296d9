/**
 * Fuzzing the REST binding with fast-check: runs of random requests (node
 * and transfer documents, valid-ish and broken; odd paths; every verb) on
 * /vospace/nodes, /vospace/transfers and /vospace/synctrans, over real
 * sockets, as several callers. After every request: no 5xx, an answer came.
 * After every run: the service answers, and the database invariants hold
 * (test/fuzz/invariants.ts).
 *
 * A fixed seed and a bounded number of runs by default (CI); more with
 * `FUZZ_RUNS=5000 npm test -- test/fuzz`, another seed with FUZZ_SEED=n.
 * A failure prints the seed, the path and the (shrunk) counterexample.
 */
import http from 'node:http';
import fc from 'fast-check';
import { CORE } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { request as requestArb, type Caller, type FuzzRequest } from './arbitraries';
import { brokenInvariants } from './invariants';

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const REQUEST_TIMEOUT_MS = 15_000;

let t: TestService;
const tokens: Partial<Record<Caller, string>> = {};

beforeAll(async () => {
  t = await startTestService();
  tokens.alice = await t.user('alice', { groups: ['astro'] });
  tokens.bob = await t.user('bob', { groups: ['astro'] });
  tokens.root = await t.user('root', { admin: true });
  tokens.forged = 'vos_forged-token-that-was-never-issued';
});
afterAll(() => t?.close());

interface Answer {
  status: number;
  text: string;
}

/** What Node's client refuses to put in a request line (spaces, controls, non-ASCII) goes percent-encoded, as a client would send it. */
const onTheWire = (target: string) =>
  target.replace(/[^\x21-\x7e]/gu, (ch) => [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''));

function send(r: FuzzRequest): Promise<Answer> {
  const url = new URL(t.origin);
  const headers: Record<string, string> = {};
  const token = tokens[r.caller];
  if (token) headers.authorization = `Bearer ${token}`;
  if (r.contentType) headers['content-type'] = r.contentType;
  if (r.body !== undefined) headers['content-length'] = String(Buffer.byteLength(r.body));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: r.method, path: onTheWire(r.target), headers, agent: false, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(r.body);
  });
}

/**
 * A run may delete or move alice's home away (as root, say): put one back
 * that she can write through her group, so the next run has somewhere to work.
 */
async function keepHome(): Promise<void> {
  const got = await send({ method: 'GET', target: '/vospace/nodes/alice?limit=0', caller: 'root' });
  if (got.status === 200) return;
  const body =
    `<vos:node xmlns:vos="http://www.ivoa.net/xml/VOSpace/v2.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="vos:ContainerNode" uri="vos://example.org!vospace/alice">` +
    `<vos:properties><vos:property uri="${CORE}groupwrite">astro</vos:property><vos:property uri="${CORE}groupread">astro</vos:property></vos:properties></vos:node>`;
  const made = await send({ method: 'PUT', target: '/vospace/nodes/alice', caller: 'root', body, contentType: 'text/xml' });
  if (made.status !== 201) throw new Error(`could not put alice's home back: ${made.status} ${made.text}`);
}

test(
  `random REST requests never get a 5xx and leave the database consistent (seed ${SEED}, ${RUNS} runs)`,
  async () => {
    let requests = 0;
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(requestArb, { minLength: 1, maxLength: 4 }), async (reqs) => {
        await keepHome();
        for (const r of reqs) {
          const a = await send(r);
          requests++;
          seen.set(a.status, (seen.get(a.status) ?? 0) + 1);
          if (a.status >= 500 || a.status < 100) throw new Error(`${r.method} ${r.target.slice(0, 200)} answered ${a.status}: ${a.text.slice(0, 500)}`);
        }
        const avail = await send({ method: 'GET', target: '/vospace/availability', caller: 'anonymous' });
        if (avail.status !== 200) throw new Error(`the service stopped answering: availability ${avail.status}`);
        const broken = await brokenInvariants(t);
        if (Object.keys(broken).length) throw new Error(`database invariants broken: ${JSON.stringify(broken)}`);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // The fuzzer reached past the parsers: some requests succeeded, some were refused.
    const count = (lo: number, hi: number) => [...seen].filter(([s]) => s >= lo && s < hi).reduce((n, [, c]) => n + c, 0);
    expect(requests).toBeGreaterThanOrEqual(RUNS);
    expect(count(200, 400)).toBeGreaterThan(requests / 20);
    expect(count(400, 500)).toBeGreaterThan(requests / 20);
  },
  Math.max(120_000, RUNS * 2_000),
);
