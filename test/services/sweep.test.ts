/** The job sweeper: jobs that outlived their execution duration, or whose storage server went silent, fail and free their nodes. */
import { OPERATOR } from '../../src/auth/identity';
import * as jobStore from '../../src/db/jobStore';
import { markBusy } from '../../src/db/transferStore';
import { createJob, sweepJobs } from '../../src/services/jobs';
import { createNode } from '../../src/services/nodes';
import { startTestService, type TestService } from '../helpers/service';

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
  await t.user('alice');
});
afterAll(() => t?.close());

/** A push job in EXECUTING whose upload has the node busy, as a storage server leaves it mid-transfer. */
async function uploadInFlight(name: string, claimedBy: number | null) {
  const svc = t.running.svc;
  const path = `alice/${name}`;
  await createNode(svc, OPERATOR, path, { type: 'DataNode', properties: [] });
  const job = await createJob(svc, OPERATOR, { target: path, direction: 'pushToVoSpace', protocols: [], keepBytes: false, params: [] });
  await svc.db('jobs').where('id', job.id).update({ phase: 'EXECUTING', start_time: svc.db.fn.now(), claimed_by: claimedBy, endpoint_used: true });
  expect(await markBusy(svc.db, path, job.id)).toBe('ok');
  return { id: job.id, path };
}

const busyJob = async (path: string) => (await t.running.svc.db('nodes').where('path', path).first('busy_job')).busy_job;

test('a job whose storage server is silent for minutes fails, and its node is no longer busy', async () => {
  const db = t.running.svc.db;
  const [row] = await db('storage_servers')
    .insert({ name: 'gone', url: 'http://127.0.0.1:1/gone', heartbeat_at: db.raw(`now() - interval '1 hour'`) })
    .returning('id');
  const live = await uploadInFlight('live-server', t.running.storage!.id);
  const dead = await uploadInFlight('dead-server', Number(row.id));
  await sweepJobs(t.running.svc);
  expect((await jobStore.getJob(db, dead.id))!.phase).toBe('ERROR');
  expect((await jobStore.getJob(db, dead.id))!.error).toEqual({ fault: 'TransferFailed', message: 'the storage server serving it stopped answering' });
  expect(await busyJob(dead.path)).toBeNull();
  // The live server's upload is left alone.
  expect((await jobStore.getJob(db, live.id))!.phase).toBe('EXECUTING');
  expect(await busyJob(live.path)).toBe(live.id);
});

test('a job past its execution duration fails and frees its node', async () => {
  const db = t.running.svc.db;
  const late = await uploadInFlight('late', t.running.storage!.id);
  await db('jobs').where('id', late.id).update({ execution_duration: 1, start_time: db.raw(`now() - interval '1 minute'`) });
  await sweepJobs(t.running.svc);
  expect((await jobStore.getJob(db, late.id))!.phase).toBe('ERROR');
  expect(await busyJob(late.path)).toBeNull();
});
