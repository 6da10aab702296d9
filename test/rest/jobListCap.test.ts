/** One cap on job lists for every face (MAX_JOB_LIST): the UWS list, LAST, GraphQL jobs(first). */
import { MAX_JOB_LIST } from '../../src/domain/job';
import { createJob } from '../../src/services/jobs';
import { gql } from '../helpers/gql';
import { request } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { UWS, XLINK, childrenOf, parseXml } from '../helpers/client';

let t: TestService;
let alice: string;
const ids: string[] = [];
beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice');
  const svc = t.running.svc;
  const who = { userId: (await svc.db('users').where('name', 'alice').first('id')).id as number, name: 'alice', admin: false, groups: [] };
  for (let i = 0; i <= MAX_JOB_LIST; i++) {
    await createJob(svc, who, { target: `alice/f${i}`, direction: 'pushToVoSpace', protocols: [], keepBytes: false, params: [] });
  }
  // Creation order as lists give it (jobs made in the same instant go by id).
  ids.push(...(await svc.db('jobs').orderBy('created_at').orderBy('id').pluck('id')));
}, 120_000);
afterAll(() => t?.close());

async function listed(query: string): Promise<string[]> {
  const r = await request('GET', `${t.base}/transfers${query}`, { token: alice });
  expect(r.status).toBe(200);
  return childrenOf(parseXml(r.text), UWS, 'jobref').map((j) => j.attrs.get('id') ?? j.attrs.get(`{${XLINK}}href`) ?? '');
}

test(`a UWS job list gives the oldest ${MAX_JOB_LIST} of ${MAX_JOB_LIST + 1} jobs, and LAST the newest`, async () => {
  expect(await listed('')).toEqual(ids.slice(0, MAX_JOB_LIST));
  expect(await listed(`?LAST=${MAX_JOB_LIST}`)).toEqual(ids.slice(1));
  expect(await listed('?LAST=2')).toEqual(ids.slice(-2));
});

test(`more than ${MAX_JOB_LIST} is InvalidArgument on every face`, async () => {
  const r = await request('GET', `${t.base}/transfers?LAST=${MAX_JOB_LIST + 1}`, { token: alice });
  expect(r.status).toBe(400);
  expect(r.text).toMatch(/^InvalidArgument: a job list gives from 0 to 1000 jobs at once/);
  const q = await gql(t, `query($first: Int) { jobs(first: $first) { edges { node { id } } pageInfo { hasNextPage } } }`, { first: MAX_JOB_LIST + 1 }, alice);
  expect(q.errors?.[0].message).toMatch(/^InvalidArgument: a job list gives from 0 to 1000 jobs at once/);
  const full = await gql(t, `query($first: Int) { jobs(first: $first) { edges { node { id } } pageInfo { hasNextPage } } }`, { first: MAX_JOB_LIST }, alice);
  expect(full.data.jobs.edges.length).toBe(MAX_JOB_LIST);
  expect(full.data.jobs.pageInfo.hasNextPage).toBe(true);
});
