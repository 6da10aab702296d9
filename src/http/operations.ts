/**
 * The `operation` label of the request histogram (src/http/metrics.ts): what a
 * request did, from a small fixed set, read from its method and the first
 * segments of its path, so the routers need not name their routes.
 */
import type { Request } from 'express';
import { FILES_GET } from './metrics';

// Maps, not object literals: a path segment such as `constructor` must not find a prototype's member.
const NODE_OPS = new Map([['GET', 'node.get'], ['HEAD', 'node.get'], ['PUT', 'node.put'], ['POST', 'node.post'], ['DELETE', 'node.delete']]);
const JOB_OPS = new Map([['GET', 'jobs.get'], ['HEAD', 'jobs.get'], ['POST', 'jobs.post'], ['DELETE', 'jobs.delete']]);
/** The job lists, and what a POST to the list itself (which makes a job) is. */
const JOB_LISTS = new Map([['transfers', 'transfers.post'], ['async-delete', 'recursive.post'], ['async-setprops', 'recursive.post']]);
const SERVICE_DOCS = new Set(['protocols', 'views', 'properties', 'capabilities', 'availability']);

/** The path of a URL without its query. */
function pathOf(req: Request): string {
  const url = req.originalUrl;
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/**
 * The metadata service: node.get|put|post|delete, transfers.post,
 * recursive.post, jobs.get|post|delete, sync, files.get, service (VOSI
 * documents, the registry line), graphql, metrics, portal (any other GET),
 * other.
 */
export function metadataOperation(restMount: string): (req: Request) => string {
  const prefix = `${restMount}/`;
  return (req) => {
    const path = pathOf(req);
    const method = req.method;
    if (path.startsWith(prefix)) {
      const slash = path.indexOf('/', prefix.length);
      const head = path.slice(prefix.length, slash < 0 ? undefined : slash);
      if (head === 'nodes') return NODE_OPS.get(method) ?? 'other';
      if (head === 'files') return method === 'GET' || method === 'HEAD' ? FILES_GET : 'other';
      if (head === 'synctrans') return 'sync';
      const list = JOB_LISTS.get(head);
      if (list) return slash < 0 && method === 'POST' ? list : (JOB_OPS.get(method) ?? 'other');
      if (SERVICE_DOCS.has(head)) return 'service';
      return 'other';
    }
    if (path === '/graphql') return 'graphql';
    if (path === '/metrics') return 'metrics';
    if (path === '/reg/resource-caps') return 'service';
    return method === 'GET' || method === 'HEAD' ? 'portal' : 'other';
  };
}

/** The storage server: transfer.put, transfer.get (one-shot endpoints), metrics, other. */
export function storageOperation(req: Request): string {
  const path = pathOf(req);
  if (path.startsWith('/transfer/')) return req.method === 'PUT' ? 'transfer.put' : req.method === 'GET' || req.method === 'HEAD' ? 'transfer.get' : 'other';
  return path === '/metrics' ? 'metrics' : 'other';
}
