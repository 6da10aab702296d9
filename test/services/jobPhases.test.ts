/**
 * Phase changes go through jobs' transition(): each is published exactly
 * once, and one made inside a transaction that rolls back is never heard.
 */
import { OPERATOR } from '../../src/auth/identity';
import * as jobStore from '../../src/db/jobStore';
import type { Phase } from '../../src/domain/job';
import { createJob } from '../../src/services/jobs';
import { inTransaction, transition } from '../../src/services/jobPhases';
import { createNode } from '../../src/services/nodes';
import { startTestService, type TestService } from '../helpers/service';
import * as T from '../helpers/client';

let t: TestService;
let token: string;
beforeAll(async () => {
  t = await startTestService();
  token = await t.user('alice');
});
afterAll(() => t?.close());

/** Every phase published for the job from now on. */
function heard(id: string): { phases: Phase[]; off: () => void } {
  const phases: Phase[] = [];
  const off = t.running.svc.events.subscribe(id, (p) => phases.push(p));
  return { phases, off };
}

async function pendingJob(name: string) {
  const svc = t.running.svc;
  await createNode(svc, OPERATOR, `alice/${name}`, { type: 'DataNode', properties: [] });
  return createJob(svc, OPERATOR, { target: `alice/${name}`, direction: 'pushToVoSpace', protocols: [], keepBytes: false, params: [] });
}

test('a phase change in a transaction that rolls back is not published, nor kept', async () => {
  const svc = t.running.svc;
  const job = await pendingJob('rolled-back');
  const h = heard(job.id);
  await expect(
    inTransaction(svc, async (trx) => {
      expect(await transition(svc, job, ['PENDING'], { phase: 'QUEUED' }, trx)).toMatchObject({ id: job.id, phase: 'QUEUED' });
      throw new Error('the rest of the transaction failed');
    }),
  ).rejects.toThrow('the rest of the transaction failed');
  // Nor through a transaction opened without inTransaction.
  await expect(
    svc.db.transaction(async (trx) => {
      await transition(svc, job, ['PENDING'], { phase: 'HELD' }, trx);
      throw new Error('again');
    }),
  ).rejects.toThrow('again');
  await T.sleep(200);
  expect(h.phases).toEqual([]);
  expect((await jobStore.getJob(svc.db, job.id))!.phase).toBe('PENDING');
  h.off();
});

test('a phase change in a transaction that commits is published once, after the commit', async () => {
  const svc = t.running.svc;
  const job = await pendingJob('committed');
  const h = heard(job.id);
  let inside: Phase[] = [];
  await inTransaction(svc, async (trx) => {
    await transition(svc, job, ['PENDING'], { phase: 'QUEUED' }, trx);
    inside = [...h.phases];
  });
  expect(inside).toEqual([]);
  expect(await T.eventually(() => h.phases.length > 0)).toBe(true);
  await T.sleep(200);
  expect(h.phases).toEqual(['QUEUED']);
  // A change from a phase the job is not in is neither made nor published.
  expect(await transition(svc, job, ['PENDING'], { phase: 'ABORTED' })).toBeUndefined();
  await T.sleep(200);
  expect(h.phases).toEqual(['QUEUED']);
  h.off();
});

/** Runs a transfer job over HTTP, listening from before RUN; the phases heard once it ended. */
async function phasesOf(spec: T.TransferSpec, bytes: (endpoint: string) => Promise<unknown>): Promise<Phase[]> {
  const id = await T.createJob(t, token, spec);
  const h = heard(id);
  await T.runJob(t, token, id);
  const details = await T.getJob(t, token, id);
  if (details.phase === 'EXECUTING') {
    const tr = await fetch(`${t.base}/transfers/${id}/results/transferDetails`, { headers: { authorization: `Bearer ${token}` } });
    await bytes(T.readTransfer(await tr.text()).protocols[0].endpoint);
  }
  await T.waitFinal(t, token, id);
  await T.eventually(() => h.phases.some((p) => T.FINAL.has(p)));
  await T.sleep(300); // a second publish, if there were one, would come now
  h.off();
  return h.phases;
}

test('every phase of a push, a pull and a failed push is published exactly once', async () => {
  const push = { target: t.uri('alice/counted'), direction: 'pushToVoSpace', protocols: [T.HTTPPUT] };
  expect(await phasesOf(push, (e) => T.putBytes(e, Buffer.from('counted bytes')))).toEqual(['QUEUED', 'EXECUTING', 'COMPLETED']);
  const pull = { target: t.uri('alice/counted'), direction: 'pullFromVoSpace', protocols: [T.HTTPGET] };
  expect(await phasesOf(pull, (e) => T.getBytes(e))).toEqual(['QUEUED', 'EXECUTING', 'COMPLETED']);
  const badMd5 = (e: string) => T.putBytes(e, Buffer.from('other bytes'), { 'content-md5': Buffer.alloc(16).toString('base64') });
  expect(await phasesOf(push, badMd5)).toEqual(['QUEUED', 'EXECUTING', 'ERROR']);
  // Refused at negotiation (no such parent): ERROR straight from QUEUED.
  const refused = { target: t.uri('alice/nowhere/x'), direction: 'pushToVoSpace', protocols: [T.HTTPPUT] };
  expect(await phasesOf(refused, async () => {})).toEqual(['QUEUED', 'ERROR']);
});
