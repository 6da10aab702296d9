/**
 * Moves and copies carry on after the answer that starts them, and so do
 * recursive jobs: whatever else changes the same tree meanwhile must get an
 * answer a client can act on, never a 5xx or a job ending in InternalFault,
 * and the database must stay consistent (test/fuzz/invariants.ts). Each
 * round makes a small tree and starts, all at once, moves both ways between
 * two of its containers, a copy, property changes, a create, deletes, an
 * upload, a recursive setprops and a recursive delete below, and a delete or
 * move of the whole tree. On PostgreSQL this met a recursive setprops failing
 * on a node deleted under it (a foreign key error) and then on deadlocks with
 * copies and moves, in about one round in eight and one in thirty; the
 * embedded database runs them one after another, which must hold too.
 * ROUNDS=n runs more rounds.
 */
import { randomBytes } from 'node:crypto';
import { brokenInvariants } from '../fuzz/invariants';
import { CORE, nodeXml, request, type Reply } from '../helpers/http';
import type { TestService } from '../helpers/service';
import { startWithUsers } from '../helpers/users';
import { createJob, jobIdFrom, mkdata, mkdir, negotiate, postJob, push, putBytes, readJob, waitFinal } from '../helpers/client';

const ROUNDS = Number(process.env.ROUNDS ?? 20);
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const XML = { 'content-type': 'text/xml' };
/** The faults a job may end with when another change got there first. */
const RACE_FAULTS = /^(NodeBusy|NodeNotFound|DuplicateNode|ContainerNotFound|InvalidURI)\b/;

let t: TestService;
let alice: string;
beforeAll(async () => ({ t, tokens: { alice } } = await startWithUsers({ alice: {} })));
afterAll(() => t?.close());

/** What went wrong: a 5xx, or a job that did not end as a race allows. */
const wrong: string[] = [];
function answered(what: string, r: Reply): Reply {
  if (r.status >= 500) wrong.push(`${what}: ${r.status} ${r.text.slice(0, 300)}`);
  return r;
}
function ended(what: string, phase: string, error = ''): void {
  if (phase === 'ERROR' && !RACE_FAULTS.test(error)) wrong.push(`${what}: ERROR ${error}`);
}

async function transfer(src: string, dest: string, keepBytes: boolean): Promise<void> {
  const id = await createJob(t, alice, { target: t.uri(src), direction: t.uri(dest), keepBytes });
  answered(`RUN ${src} → ${dest}`, await postJob(t, alice, id, { PHASE: 'RUN' }));
  const job = await waitFinal(t, alice, id);
  ended(`${keepBytes ? 'copy' : 'move'} ${src} → ${dest}`, job.phase, job.errorMessage);
}

/** A recursive job (/async-delete or /async-setprops) run to its end. */
async function recursive(list: 'async-delete' | 'async-setprops', path: string): Promise<void> {
  const r =
    list === 'async-delete'
      ? await request('POST', `${t.base}/${list}`, { token: alice, body: `target=${encodeURIComponent(t.uri(path))}`, headers: FORM })
      : await request('POST', `${t.base}/${list}`, { token: alice, body: nodeXml(t.uri(path), 'vos:ContainerNode', [{ uri: `${CORE}description`, value: 'raced' }]), headers: XML });
  if (answered(`POST /${list} ${path}`, r).status !== 303) return;
  const id = jobIdFrom(t, r, list);
  answered(`RUN ${list} ${path}`, await request('POST', `${t.base}/${list}/${id}/phase`, { token: alice, body: 'phase=RUN', headers: FORM }));
  for (;;) {
    const got = answered(`GET ${list}/${id}`, await request('GET', `${t.base}/${list}/${id}?WAIT=5`, { token: alice }));
    const job = readJob(got.text);
    if (['COMPLETED', 'ERROR', 'ABORTED'].includes(job.phase)) return ended(`${list} ${path}`, job.phase, job.errorMessage);
  }
}

const create = async (path: string) => void answered(`PUT ${path}`, await request('PUT', `${t.base}/nodes/${path}`, { token: alice, body: nodeXml(t.uri(path), 'vos:DataNode'), headers: XML }));
const setTitle = async (path: string) =>
  void answered(`POST ${path}`, await request('POST', `${t.base}/nodes/${path}`, { token: alice, body: nodeXml(t.uri(path), '', [{ uri: `${CORE}title`, value: path }]), headers: XML }));
const remove = async (path: string) => void answered(`DELETE ${path}`, await request('DELETE', `${t.base}/nodes/${path}`, { token: alice }));

async function upload(path: string): Promise<void> {
  const n = await negotiate(t, alice, path, 'pushToVoSpace', { mayFail: true });
  if (n.endpoint) answered(`PUT bytes of ${path}`, await putBytes(n.endpoint, randomBytes(2000)));
  else ended(`negotiating ${path}`, n.phase ?? '', n.error);
}

test(`${ROUNDS} rounds of changes racing moves and copies: no 5xx, no InternalFault, the database consistent`, async () => {
  await mkdir(t, alice, 'alice/race');
  for (let k = 0; k < ROUNDS; k++) {
    const top = `alice/race/r${k}`;
    for (const dir of [top, `${top}/A`, `${top}/B`, `${top}/A/sub`]) await mkdir(t, alice, dir);
    for (let i = 0; i < 4; i++) await mkdata(t, alice, `${top}/A/sub/f${i}`);
    await push(t, alice, `${top}/A/data`, randomBytes(1000));
    await Promise.all([
      transfer(`${top}/A`, `${top}/B`, false),
      transfer(`${top}/B`, `${top}/A`, false),
      transfer(`${top}/A`, `${top}/C`, true),
      setTitle(`${top}/A`),
      setTitle(`${top}/A/sub/f1`),
      create(`${top}/A/sub/new`),
      remove(`${top}/A/sub/f2`),
      upload(`${top}/A/sub/up`),
      recursive('async-setprops', top),
      recursive('async-delete', `${top}/A/sub`),
      [() => remove(top), () => recursive('async-delete', top), () => transfer(top, `alice/race/m${k}`, false)][k % 3](),
    ]);
  }
  expect(wrong).toEqual([]);
  expect(await brokenInvariants(t)).toEqual({});
}, 300_000);
