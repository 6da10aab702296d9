/** /nodes/{path}: createNode (PUT), getNode (GET), setNode (POST), deleteNode (DELETE). */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { fault } from '../domain/faults';
import type { NodeRecord } from '../domain/node';
import { isContainer } from '../domain/nodeTypes';
import { encodePath, nameOf, parentOf, pathFromEncoded } from '../domain/paths';
import type { Services } from '../services/context';
import * as nodes from '../services/nodes';
import { parseNodeDocument, printListing, printNode } from '../xml/nodeXml';
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

/** A document shorter than this goes out whole, with its Content-Length; a longer one is streamed as it is made. */
const WHOLE_BELOW = 64 * 1024;

/**
 * Sends a document made in pieces (a listing, a page of children at a
 * time). Until WHOLE_BELOW bytes are made nothing is sent, so a failure gets
 * its fault; after that the pieces stream with backpressure (the next page is
 * read only once the client has taken enough of the last), a failure can only
 * cut the response (the fault mapper destroys it), and a client that leaves
 * stops the reading.
 */
async function sendDocument(res: Response, pieces: AsyncGenerator<string>): Promise<void> {
  let held = '';
  while (held.length < WHOLE_BELOW) {
    const piece = await pieces.next();
    if (piece.done) {
      res.send(held);
      return;
    }
    held += piece.value;
  }
  async function* rest(): AsyncGenerator<string> {
    yield held;
    yield* pieces;
  }
  try {
    await pipeline(Readable.from(rest(), { highWaterMark: 1 }), res);
  } catch (e) {
    // The client went away: the pipeline has stopped the pieces, and there is no one to answer.
    if ((e as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw e;
  }
}

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
        const limit = limitParam(req);
        // HEAD answers whether the node is there for the caller: it reads no children and prints nothing.
        const head = req.method === 'HEAD';
        const listing = await nodes.getNode(svc, who, path, { detail, limit: head ? 0 : limit, from });
        res.type(XML);
        if (head) res.end();
        else await sendDocument(res, printListing(svc.uris, listing, detail));
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
