/**
 * GET|HEAD /files/{path}: a node's bytes straight to a caller allowed to read
 * them (the CADC client's files-proto); a link is followed (see fileToServe).
 */
import type { Request, Response } from 'express';
import { sendNodeBytes } from '../http/download';
import { fault } from '../domain/faults';
import { pathFromEncoded } from '../domain/paths';
import type { Services } from '../services/context';
import { fileToServe } from '../services/nodes';
import { identityOf } from './identity';

export function filesHandler(svc: Services) {
  return async (req: Request, res: Response): Promise<void> => {
    const m = /^\/files\/(.+)$/s.exec(req.path);
    if (!m) throw fault('InvalidURI', 'GET /files/{path} needs a node path');
    const found = await fileToServe(svc, identityOf(res), pathFromEncoded(m[1]));
    if ('redirect' in found) return void res.redirect(303, found.redirect);
    try {
      await sendNodeBytes(req, res, found.node, svc.backend);
    } catch (e) {
      if (!res.headersSent) throw e;
      res.destroy();
    }
  };
}
