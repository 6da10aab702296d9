/** UWS 1.1 transfer jobs on /transfers and VOSpace sync transfers on /synctrans: parse, call services/, print. */
import express, { type Request, type Response } from 'express';
import { fault } from '../domain/faults';
import { readDirection, type ProtocolRequest, type Transfer } from '../domain/transfer';
import type { Services } from '../services/context';
import * as jobs from '../services/jobs';
import { printTransfer, parseTransferDocument } from '../xml/transferXml';
import { readBody } from './body';
import { identityOf } from './identity';
import { baseUrl } from './service';
import { creationOptions, jobListRouter, one, params } from './uws';

const XML = 'text/xml; charset=utf-8';

const isXmlBody = (body: Buffer) => /^\s*</.test(body.subarray(0, 256).toString('utf8'));

export function transferRouter(svc: Services): express.Router {
  const r = express.Router({ strict: true });
  const jobUrl = (req: Request, id: string) => `${baseUrl(req)}/transfers/${id}`;

  // Before the list's own results/:rid.
  r.get('/transfers/:id/results/transferDetails', async (req, res) => {
    const job = await jobs.readJob(svc, identityOf(res), req.params.id, 'transfer');
    res.type(XML).send(printTransfer(svc.uris, job));
  });
  r.use(
    jobListRouter(svc, {
      path: '/transfers',
      kind: 'transfer',
      create: async (req, res) => {
        const body = await readBody(req, svc.space.maxXmlBytes);
        return jobs.createJob(svc, identityOf(res), parseTransferDocument(body, svc.uris), creationOptions(params(req)));
      },
    }),
  );

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
