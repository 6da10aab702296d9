/**
 * UWS 1.1 job lists: one router for every kind of job (/transfers,
 * /async-delete, /async-setprops), parameterised by the list. Each list
 * shows only its own kind: a job of another is not found at its URLs.
 */
import express, { type Request, type Response } from 'express';
import { fault, type FaultName } from '../domain/faults';
import { isPhase, resultHref, type AnyJob, type JobKind, type Phase } from '../domain/job';
import type { Services } from '../services/context';
import * as jobs from '../services/jobs';
import { printJob, printJobList, printResults } from '../xml/uwsXml';
import { readBody } from './body';
import { identityOf } from './identity';
import { baseUrl } from './service';

const XML = 'text/xml; charset=utf-8';
const TEXT = 'text/plain; charset=utf-8';
/** Most bytes of a form POSTed to a job list or a job. */
export const FORM_LIMIT = 64 * 1024;

/** UWS parameter names are case-insensitive: every key upper-cased, every value a list. */
export function params(req: Request, body?: Buffer): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (k: string, v: string) => out.set(k.toUpperCase(), [...(out.get(k.toUpperCase()) ?? []), v]);
  for (const [k, v] of new URL(req.originalUrl, 'http://x').searchParams) add(k, v);
  if (body?.length) for (const [k, v] of new URLSearchParams(body.toString('utf8'))) add(k, v);
  return out;
}

/** The last value of parameter `k`. */
export const one = (p: Map<string, string[]>, k: string) => p.get(k)?.[p.get(k)!.length - 1];

/** PHASE=RUN and RUNID given with the POST that makes a job. */
export const creationOptions = (p: Map<string, string[]>) => ({ run: one(p, 'PHASE')?.toUpperCase() === 'RUN', runId: one(p, 'RUNID') });

/**
 * The body of a job's /error: the bare fault name, which the CADC client
 * compares whole to map it to an exit code (the detail is in the job's
 * errorSummary). Its table spells one fault with a full stop
 * ('DuplicateNode.' → EEXIST): that one is written so.
 */
const errorWord = (f: FaultName) => (f === 'DuplicateNode' ? 'DuplicateNode.' : f);

function phaseParam(raw: string): Phase {
  const p = raw.toUpperCase();
  if (!isPhase(p)) throw fault('InvalidArgument', `unknown phase ${raw.slice(0, 32)}`);
  return p;
}

export interface JobList {
  /** Where the list is, below the REST base (e.g. /transfers). */
  path: string;
  kind: JobKind;
  /** Makes a job from a POST to the list, whose body and parameters are the list's own. */
  create(req: Request, res: Response): Promise<AnyJob>;
}

export function jobListRouter(svc: Services, list: JobList): express.Router {
  const r = express.Router({ strict: true });
  const { path, kind } = list;
  const listUrl = (req: Request) => `${baseUrl(req)}${path}`;
  const jobUrl = (req: Request, id: string) => `${listUrl(req)}/${id}`;

  // Job list and creation.
  r.get(path, async (req, res) => {
    const p = params(req);
    const after = one(p, 'AFTER');
    const last = one(p, 'LAST');
    if (after !== undefined && Number.isNaN(Date.parse(after))) throw fault('InvalidArgument', 'AFTER must be an ISO 8601 time');
    if (last !== undefined && !/^\d{1,6}$/.test(last)) throw fault('InvalidArgument', 'LAST must be a whole number');
    const { jobs: found } = await jobs.listJobs(svc, identityOf(res), {
      kinds: [kind],
      phases: (p.get('PHASE') ?? []).map(phaseParam),
      after: after ? new Date(after) : undefined,
      last: last ? Number(last) : undefined,
    });
    res.type(XML).send(printJobList(found, listUrl(req)));
  });

  r.post(path, async (req, res) => {
    const job = await list.create(req, res);
    res.redirect(303, jobUrl(req, job.id));
  });

  // One job.
  r.get(`${path}/:id`, async (req, res) => {
    const p = params(req);
    const wait = one(p, 'WAIT');
    const who = identityOf(res);
    let job;
    if (wait !== undefined) {
      if (!/^-?\d{1,6}$/.test(wait)) throw fault('InvalidArgument', 'WAIT must be a whole number of seconds');
      const inPhase = one(p, 'PHASE');
      job = await jobs.waitJob(svc, who, req.params.id, Number(wait), inPhase ? phaseParam(inPhase) : undefined, kind);
    } else {
      job = await jobs.readJob(svc, who, req.params.id, kind);
    }
    res.type(XML).send(printJob(job, baseUrl(req), svc.uris));
  });

  /** POST to a job: PHASE, DESTRUCTION, EXECUTIONDURATION, ACTION=DELETE. */
  const postToJob = async (req: Request, res: Response, only?: string) => {
    const p = params(req, await readBody(req, FORM_LIMIT));
    const who = identityOf(res);
    const id = req.params.id as string;
    const action = one(p, 'ACTION')?.toUpperCase();
    if (action === 'DELETE' && !only) {
      await jobs.deleteJob(svc, who, id, kind);
      return void res.redirect(303, listUrl(req));
    }
    if (action !== undefined && action !== 'DELETE') throw fault('InvalidArgument', `unknown ACTION ${action.slice(0, 32)}`);
    const phase = one(p, 'PHASE');
    const destruction = one(p, 'DESTRUCTION');
    const duration = one(p, 'EXECUTIONDURATION');
    const given = [phase, destruction, duration].filter((v) => v !== undefined).length;
    if (!given) throw fault('InvalidArgument', 'expected PHASE, DESTRUCTION, EXECUTIONDURATION or ACTION=DELETE');
    if (phase !== undefined && (!only || only === 'PHASE')) {
      const want = phase.toUpperCase();
      if (want === 'RUN') await jobs.runJob(svc, who, id, kind);
      else if (want === 'ABORT') await jobs.abortJob(svc, who, id, kind);
      else throw fault('InvalidArgument', `PHASE must be RUN or ABORT, not ${phase.slice(0, 32)}`);
    }
    if (destruction !== undefined && (!only || only === 'DESTRUCTION')) await jobs.setDestruction(svc, who, id, destruction, kind);
    if (duration !== undefined && (!only || only === 'EXECUTIONDURATION')) await jobs.setExecutionDuration(svc, who, id, duration, kind);
    res.redirect(303, jobUrl(req, id));
  };
  r.post(`${path}/:id`, (req, res) => postToJob(req, res));
  r.post(`${path}/:id/phase`, (req, res) => postToJob(req, res, 'PHASE'));
  r.post(`${path}/:id/destruction`, (req, res) => postToJob(req, res, 'DESTRUCTION'));
  r.post(`${path}/:id/executionduration`, (req, res) => postToJob(req, res, 'EXECUTIONDURATION'));
  r.delete(`${path}/:id`, async (req, res) => {
    await jobs.deleteJob(svc, identityOf(res), req.params.id, kind);
    res.redirect(303, listUrl(req));
  });

  // Job sub-resources.
  const job = (req: Request, res: Response) => jobs.readJob(svc, identityOf(res), req.params.id as string, kind);
  r.get(`${path}/:id/phase`, async (req, res) => void res.type(TEXT).send((await job(req, res)).phase));
  r.get(`${path}/:id/executionduration`, async (req, res) => void res.type(TEXT).send(String((await job(req, res)).executionDuration)));
  r.get(`${path}/:id/destruction`, async (req, res) => void res.type(TEXT).send((await job(req, res)).destruction.toISOString()));
  r.get(`${path}/:id/owner`, async (req, res) => void res.type(TEXT).send((await job(req, res)).owner ?? ''));
  r.get(`${path}/:id/quote`, async (req, res) => {
    await job(req, res);
    res.type(TEXT).send('');
  });
  r.get(`${path}/:id/error`, async (req, res) => {
    const j = await job(req, res);
    if (!j.error) throw fault('NotFound', `job ${j.id} has no error`);
    res.type(TEXT).send(errorWord(j.error.fault));
  });
  r.get(`${path}/:id/parameters`, async (req, res) => {
    await job(req, res);
    res.type(XML).send('<?xml version="1.0" encoding="UTF-8"?><uws:parameters xmlns:uws="http://www.ivoa.net/xml/UWS/v1.0"/>');
  });
  r.get(`${path}/:id/results`, async (req, res) => void res.type(XML).send(printResults(await job(req, res), baseUrl(req))));
  r.get(`${path}/:id/results/:rid`, async (req, res) => {
    const j = await job(req, res);
    const found = j.results.find((x) => x.id === req.params.rid);
    if (!found) throw fault('NotFound', `job ${j.id} has no result ${req.params.rid}`);
    const href = resultHref(baseUrl(req), found.href);
    if (/^https?:/.test(href)) return void res.redirect(303, href);
    res.type(TEXT).send(`${href}\n`);
  });
  return r;
}
