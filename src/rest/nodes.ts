/** /nodes/{path}: createNode (PUT), getNode (GET), setNode (POST), deleteNode (DELETE). */
import type { Request, Response } from 'express';
import { fault } from '../domain/faults';
import type { NodeRecord } from '../domain/node';
import { isContainer } from '../domain/nodeTypes';
import { encodePath, nameOf, parentOf, pathFromEncoded } from '../domain/paths';
import type { Services } from '../services/context';
import * as nodes from '../services/nodes';
import { parseNodeDocument, printNode } from '../xml/nodeXml';
import { readBody } from './body';
import { detailParam, limitParam, single } from './params';
import { identityOf } from './identity';

const XML = 'text/xml; charset=utf-8';

/** The node path of a request to …/nodes or …/nodes/{path}, decoded and checked. */
export function nodePath(req: Request): string {
  const m = /^\/nodes(?:\/(.*))?$/s.exec(req.path);
  if (!m) throw fault('InvalidURI', req.path);
  return pathFromEncoded(m[1] ?? '');
}

async function readDocument(svc: Services, req: Request, path: string) {
  const doc = parseNodeDocument(await readBody(req, svc.space.maxXmlBytes));
  const docPath = svc.uris.parse(doc.uri);
  if (docPath !== path) throw fault('InvalidURI', `the node uri ${doc.uri} does not match the URL`);
  return doc;
}

/** A node just created or changed: its properties, and for a container an empty <nodes> (list them with GET). */
const printChanged = (svc: Services, node: NodeRecord) =>
  printNode(svc.uris, { node, children: isContainer(node.type) ? [] : undefined });

export function nodeHandler(svc: Services) {
  return async (req: Request, res: Response): Promise<void> => {
    const path = nodePath(req);
    const who = identityOf(res);
    switch (req.method) {
      case 'GET':
      case 'HEAD': {
        const detail = detailParam(req);
        const start = single(req, 'uri');
        let from: string | undefined;
        if (start !== undefined) {
          const startPath = svc.uris.parse(start);
          if (startPath === '' || parentOf(startPath) !== path) throw fault('InvalidURI', `${start} is not a child of this node`);
          from = nameOf(startPath);
        }
        const view = await nodes.getNode(svc, who, path, { detail, limit: limitParam(req), from });
        res.type(XML).send(printNode(svc.uris, view, detail));
        return;
      }
      case 'PUT': {
        const doc = await readDocument(svc, req, path);
        const node = await nodes.createNode(svc, who, path, { type: doc.type, properties: doc.properties, target: doc.target });
        res.status(201).location(`${req.baseUrl}/nodes/${encodePath(node.path)}`);
        res.type(XML).send(printChanged(svc, node));
        return;
      }
      case 'POST': {
        const doc = await readDocument(svc, req, path);
        const node = await nodes.setNode(svc, who, path, doc.properties);
        res.type(XML).send(printChanged(svc, node));
        return;
      }
      case 'DELETE':
        await nodes.deleteNode(svc, who, path);
        res.status(204).end();
        return;
      default:
        res.setHeader('Allow', 'GET, HEAD, PUT, POST, DELETE');
        throw fault('OperationNotSupported', `${req.method} is not a node operation`);
    }
  };
}
