/**
 * The recursive job lists the CADC client's `vrm -R`, `vchmod -R` and
 * `vtag -R` use: /async-delete (a form, target=<vos URI>) and
 * /async-setprops (a node document: its uri names the top node, its
 * properties are set there and on everything below). Both are UWS job lists
 * like /transfers.
 */
import express from 'express';
import { fault } from '../domain/faults';
import type { Services } from '../services/context';
import * as jobs from '../services/jobs';
import { parseNodeDocument } from '../xml/nodeXml';
import { readBody } from './body';
import { identityOf } from './identity';
import { FORM_LIMIT, creationOptions, jobListRouter, one, params } from './uws';

export function recursiveRouter(svc: Services): express.Router {
  const r = express.Router({ strict: true });
  r.use(
    jobListRouter(svc, {
      path: '/async-delete',
      kind: 'delete',
      create: async (req, res) => {
        const p = params(req, await readBody(req, FORM_LIMIT));
        const target = one(p, 'TARGET');
        if (!target) throw fault('InvalidArgument', 'a recursive delete needs target=<vos URI>');
        return jobs.createRecursiveJob(svc, identityOf(res), 'delete', svc.uris.parse(target), [], creationOptions(p));
      },
    }),
  );
  r.use(
    jobListRouter(svc, {
      path: '/async-setprops',
      kind: 'setprops',
      create: async (req, res) => {
        const doc = parseNodeDocument(await readBody(req, svc.space.maxXmlBytes));
        return jobs.createRecursiveJob(svc, identityOf(res), 'setprops', svc.uris.parse(doc.uri), doc.properties, creationOptions(params(req)));
      },
    }),
  );
  return r;
}
