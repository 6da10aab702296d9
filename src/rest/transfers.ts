/** UWS 1.1 on /transfers and VOSpace sync transfers on /synctrans: parse, call services/, print. */
import express, { type Request, type Response } from 'express';
import { fault, type FaultName } from '../domain/faults';
import { isPhase, type Phase } from '../domain/job';
import type { ProtocolRequest, Transfer } from '../domain/transfer';
import type { Services } from '../services/context';
import * as jobs from '../services/jobs';
import { printTransfer, parseTransferDocument, readDirection } from '../xml/transferXml';
import { printJob, printJobList, printResults, resultHref } from '../xml/uwsXml';
import { readBody } from './body';
import { identityOf } from './identity';
import { baseUrl } from './service';

const XML = 'text/xml; charset=utf-8';
const TEXT = 'text/plain; charset=utf-8';
const FORM_LIMIT = 64 * 1024;

/** UWS parameter names are case-insensitive: every key upper-cased, every value a list. */
function params(req: Request, body?: Buffer): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (k: string, v: string) => out.set(k.toUpperCase(), [...(out.get(k.toUpperCase()) ?? []), v]);
  for (const [k, v] of new URL(req.originalUrl, 'http://x').searchParams) add(k, v);
  if (body?.length) for (const [k, v] of new URLSearchParams(body.toString('utf8'))) add(k, v);
  return out;
}

const one = (p: Map<string, string[]>, k: string) => p.get(k)?.[p.get(k)!.length - 1];

function phaseParam(raw: string): Phase {
  const p = raw.toUpperCase();
  if (!isPhase(p)) throw fault('InvalidArgument', `unknown phase ${raw.slice(0, 32)}`);
  return p;
}

/**
 * The body of a job's /error: the bare fault name, which the CADC client
 * compares whole to map it to an exit code (the detail is in the job's
 * errorSummary). Its table spells one fault with a full stop
 * ('DuplicateNode.' → EEXIST): that one is written so.
 */
const errorWord = (f: FaultName) => (f === 'DuplicateNode' ? 'DuplicateNode.' : f);

const isXmlBody = (body: Buffer) => /^\s*</.test(body.subarray(0, 256).toString('utf8'));

export function transferRouter(svc: Services): express.Router {
  const r = express.Router({ strict: true });
  const base = baseUrl;
  const jobUrl = (req: Request, id: string) => `${base(req)}/transfers/${id}`;

  // Job list and creation.
  r.get('/transfers', async (req, res) => {
    const p = params(req);
    const after = one(p, 'AFTER');
    const last = one(p, 'LAST');
    if (after !== undefined && Number.isNaN(Date.parse(after))) throw fault('InvalidArgument', 'AFTER must be an ISO 8601 time');
    if (last !== undefined && !/^\d{1,6}$/.test(last)) throw fault('InvalidArgument', 'LAST must be a whole number');
    const list = await jobs.listJobs(svc, identityOf(res), {
      phases: (p.get('PHASE') ?? []).map(phaseParam),
      after: after ? new Date(after) : undefined,
      last: last ? Number(last) : undefined,
    });
    res.type(XML).send(printJobList(list, base(req)));
  });

  r.post('/transfers', async (req, res) => {
    const body = await readBody(req, svc.space.maxXmlBytes);
    const p = params(req);
    const run = one(p, 'PHASE')?.toUpperCase() === 'RUN';
    const job = await jobs.createJob(svc, identityOf(res), parseTransferDocument(body, svc.uris), { run, runId: one(p, 'RUNID') });
    res.redirect(303, jobUrl(req, job.id));
  });

  // One job.
  r.get('/transfers/:id', async (req, res) => {
    const p = params(req);
    const wait = one(p, 'WAIT');
    const who = identityOf(res);
    let job;
    if (wait !== undefined) {
      if (!/^-?\d{1,6}$/.test(wait)) throw fault('InvalidArgument', 'WAIT must be a whole number of seconds');
      const inPhase = one(p, 'PHASE');
      job = await jobs.waitJob(svc, who, req.params.id, Number(wait), inPhase ? phaseParam(inPhase) : undefined);
    } else {
      job = await jobs.readJob(svc, who, req.params.id);
    }
    res.type(XML).send(printJob(job, base(req), svc.uris));
  });

  /** POST to a job: PHASE, DESTRUCTION, EXECUTIONDURATION, ACTION=DELETE. */
  const postToJob = async (req: Request, res: Response, only?: string) => {
    const p = params(req, await readBody(req, FORM_LIMIT));
    const who = identityOf(res);
    const id = req.params.id as string;
    const action = one(p, 'ACTION')?.toUpperCase();
    if (action === 'DELETE' && !only) {
      await jobs.deleteJob(svc, who, id);
      return void res.redirect(303, `${base(req)}/transfers`);
    }
    if (action !== undefined && action !== 'DELETE') throw fault('InvalidArgument', `unknown ACTION ${action.slice(0, 32)}`);
    const phase = one(p, 'PHASE');
    const destruction = one(p, 'DESTRUCTION');
    const duration = one(p, 'EXECUTIONDURATION');
    const given = [phase, destruction, duration].filter((v) => v !== undefined).length;
    if (!given) throw fault('InvalidArgument', 'expected PHASE, DESTRUCTION, EXECUTIONDURATION or ACTION=DELETE');
    if (phase !== undefined && (!only || only === 'PHASE')) {
      const want = phase.toUpperCase();
      if (want === 'RUN') await jobs.runJob(svc, who, id);
      else if (want === 'ABORT') await jobs.abortJob(svc, who, id);
      else throw fault('InvalidArgument', `PHASE must be RUN or ABORT, not ${phase.slice(0, 32)}`);
    }
    if (destruction !== undefined && (!only || only === 'DESTRUCTION')) await jobs.setDestruction(svc, who, id, destruction);
    if (duration !== undefined && (!only || only === 'EXECUTIONDURATION')) await jobs.setExecutionDuration(svc, who, id, duration);
    res.redirect(303, jobUrl(req, id));
  };
  r.post('/transfers/:id', (req, res) => postToJob(req, res));
  r.post('/transfers/:id/phase', (req, res) => postToJob(req, res, 'PHASE'));
  r.post('/transfers/:id/destruction', (req, res) => postToJob(req, res, 'DESTRUCTION'));
  r.post('/transfers/:id/executionduration', (req, res) => postToJob(req, res, 'EXECUTIONDURATION'));
  r.delete('/transfers/:id', async (req, res) => {
    await jobs.deleteJob(svc, identityOf(res), req.params.id);
    res.redirect(303, `${base(req)}/transfers`);
  });

  // Job sub-resources.
  const job = (req: Request, res: Response) => jobs.readJob(svc, identityOf(res), req.params.id as string);
  r.get('/transfers/:id/phase', async (req, res) => void res.type(TEXT).send((await job(req, res)).phase));
  r.get('/transfers/:id/executionduration', async (req, res) => void res.type(TEXT).send(String((await job(req, res)).executionDuration)));
  r.get('/transfers/:id/destruction', async (req, res) => void res.type(TEXT).send((await job(req, res)).destruction.toISOString()));
  r.get('/transfers/:id/owner', async (req, res) => void res.type(TEXT).send((await job(req, res)).owner ?? ''));
  r.get('/transfers/:id/quote', async (req, res) => {
    await job(req, res);
    res.type(TEXT).send('');
  });
  r.get('/transfers/:id/error', async (req, res) => {
    const j = await job(req, res);
    if (!j.error) throw fault('NotFound', `job ${j.id} has no error`);
    res.type(TEXT).send(errorWord(j.error.fault));
  });
  r.get('/transfers/:id/parameters', async (req, res) => {
    await job(req, res);
    res.type(XML).send('<?xml version="1.0" encoding="UTF-8"?><uws:parameters xmlns:uws="http://www.ivoa.net/xml/UWS/v1.0"/>');
  });
  r.get('/transfers/:id/results', async (req, res) => void res.type(XML).send(printResults(await job(req, res), base(req))));
  r.get('/transfers/:id/results/transferDetails', async (req, res) => void res.type(XML).send(printTransfer(svc.uris, await job(req, res))));
  r.get('/transfers/:id/results/:rid', async (req, res) => {
    const j = await job(req, res);
    const found = j.results.find((x) => x.id === req.params.rid);
    if (!found) throw fault('NotFound', `job ${j.id} has no result ${req.params.rid}`);
    const href = resultHref(base(req), found.href);
    if (/^https?:/.test(href)) return void res.redirect(303, href);
    res.type(TEXT).send(`${href}\n`);
  });

  // Sync transfers.
  const sync = async (req: Request, res: Response) => {
    const body = req.method === 'POST' ? await readBody(req, svc.space.maxXmlBytes) : Buffer.alloc(0);
    const who = identityOf(res);
    if (isXmlBody(body)) {
      const created = await jobs.createJob(svc, who, parseTransferDocument(body, svc.uris), { run: true });
      return void res.redirect(303, `${jobUrl(req, created.id)}/results/transferDetails`);
    }
    const p = params(req, body);
    const target = one(p, 'TARGET');
    const direction = one(p, 'DIRECTION');
    if (!target || !direction) throw fault('InvalidArgument', 'a sync transfer needs TARGET and DIRECTION (or a transfer document)');
    const sm = one(p, 'SECURITYMETHOD');
    const transfer: Transfer = {
      target: svc.uris.parse(target),
      direction: readDirection(svc.uris, direction),
      view: one(p, 'VIEW'),
      protocols: (p.get('PROTOCOL') ?? []).map((uri): ProtocolRequest => ({ uri, securityMethod: sm })),
      keepBytes: false,
      params: [],
    };
    const done = await jobs.createJob(svc, who, transfer, { run: true });
    if (done.error) throw fault(done.error.fault, done.error.message);
    if (one(p, 'REQUEST')?.toLowerCase() === 'redirect' && done.protocols.length) {
      return void res.redirect(303, done.protocols[0].endpoint);
    }
    res.type(XML).send(printTransfer(svc.uris, done));
  };
  r.get('/synctrans', sync);
  r.post('/synctrans', sync);
  return r;
}
