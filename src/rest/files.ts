/** GET|HEAD /files/{path}: a node's bytes straight to a caller allowed to read them (the CADC client's files-proto). */
import type { Request, Response } from 'express';
import { sendNodeBytes } from '../../storage-server/download';
import { fault } from '../domain/faults';
import { pathFromEncoded } from '../domain/paths';
import type { Services } from '../services/context';
import { readableDataNode } from '../services/nodes';
import { identityOf } from './identity';

export function filesHandler(svc: Services) {
  return async (req: Request, res: Response): Promise<void> => {
    const m = /^\/files\/(.+)$/s.exec(req.path);
    if (!m) throw fault('InvalidURI', 'GET /files/{path} needs a node path');
    const node = await readableDataNode(svc, identityOf(res), pathFromEncoded(m[1]));
    try {
      await sendNodeBytes(req, res, node, svc.backend);
    } catch (e) {
      if (!res.headersSent) throw e;
      res.destroy();
    }
  };
}
