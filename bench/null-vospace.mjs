#!/usr/bin/env node
// A "null" VOSpace 2.1 service for bench/run.mjs: the client-ceiling reference of the
// metadata scenarios, as nginx is for byte throughput. It answers the REST requests
// vosbench's mkdir, create, get, setprops, list and delete scenarios make, with
// documents of the same shape as a real service's (so the client parses as much), but
// does no real work: no database, no checks beyond what vosbench verifies. On a small
// machine the client shares the CPU with the server; what vosbench reaches against this
// server is about the most any server can reach there.
//
//   node bench/null-vospace.mjs PORT [--express]   (prints "listening on http://127.0.0.1:PORT/vospace")
//
// With --express the same answers go through Express and the service's own middleware
// (security headers, request log, rate limit; from dist/, so build first), set up as
// src/app.ts sets them up: what the service's HTTP stack costs before any of its work.
//
// The nodes are only remembered as paths: `nodes` maps a path to its type, `children`
// a parent path to the Map (name -> type) of its children, in creation order.
//
// vosbench's smallput (a push with UWS negotiation, async or sync) is answered too:
// POST /transfers makes a job (303 to it), PHASE=RUN puts it in EXECUTING at once,
// its transferDetails name one httpput endpoint under /vospace/data/, and a PUT there
// reads the body and answers 201 (nothing is kept). /synctrans answers with the 303 to
// the transferDetails, as the service does.
import http from 'node:http';
import { createRequire } from 'node:module';

// the namespace VOSpace 2.1 documents use (as the service does), so vosbench takes the same path for both
const NS = 'http://www.ivoa.net/xml/VOSpace/v2.0';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const CORE = 'ivo://ivoa.net/vospace/core#';
const AUTHORITY = 'example.org!vospace';
const BASE = '/vospace';
const DECL = '<?xml version="1.0" encoding="UTF-8"?>';

const nodes = new Map();
const children = new Map();

const vosUri = (path) => `vos://${AUTHORITY}/${path}`;
const parentOf = (path) => path.slice(0, Math.max(0, path.lastIndexOf('/')));
const nameOf = (path) => path.slice(path.lastIndexOf('/') + 1);

const PROTOCOLS = `${DECL}<vos:protocols xmlns:vos="${NS}"><vos:accepts><vos:protocol uri="${CORE}httpput"/></vos:accepts><vos:provides><vos:protocol uri="${CORE}httpget"/></vos:provides></vos:protocols>`;

/** What a real service answers for a node with detail=max (or to a PUT): about 1 KB for a data node. */
function nodeXml(path, type, detail = 'max', list = '') {
  const data = type === 'DataNode';
  let xml = `${DECL}<vos:node xmlns:vos="${NS}" xmlns:xsi="${XSI}" uri="${vosUri(path)}" xsi:type="vos:${type}"${data ? ' busy="false"' : ''}>`;
  if (detail !== 'min') {
    const t = '2026-01-01T00:00:00.000Z';
    const ro = (p, v) => `<vos:property uri="${CORE}${p}" readOnly="true">${v}</vos:property>`;
    xml += `<vos:properties>${ro('length', 0)}${ro('date', t)}${ro('ctime', t)}${ro('mtime', t)}${ro('btime', t)}${ro('creator', 'bench')}</vos:properties>`;
    if (data) xml += `<vos:accepts><vos:view uri="${CORE}anyview"/></vos:accepts><vos:provides><vos:view uri="${CORE}defaultview"/><vos:view uri="${CORE}binaryview"/></vos:provides><vos:capabilities/>`;
  }
  if (type === 'ContainerNode') xml += list ? `<vos:nodes>${list}</vos:nodes>` : '<vos:nodes/>';
  return `${xml}</vos:node>`;
}

/** The children of a container as a detail=min listing; `uri` (inclusive) and `limit` page it. */
function listing(path, q) {
  const kids = children.get(path);
  if (!kids) return '';
  const limit = q.has('limit') ? Number(q.get('limit')) : Infinity;
  const from = q.has('uri') ? nameOf(q.get('uri')) : null;
  const prefix = `${vosUri(path)}/`;
  let out = '';
  let n = 0;
  let started = from === null;
  for (const [name, type] of kids) {
    if (!started) { if (name !== from) continue; started = true; }
    if (n++ >= limit) break;
    out += `<vos:node uri="${prefix}${name}" xsi:type="vos:${type}"${type === 'DataNode' ? ' busy="false"' : ''}/>`;
  }
  return out;
}

function remove(path) {
  for (const name of children.get(path)?.keys() ?? []) remove(`${path}/${name}`);
  children.delete(path);
  nodes.delete(path);
}

function send(res, status, body = '') {
  res.writeHead(status, body ? { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(body) } : {});
  res.end(body);
}

/** Transfer jobs: id -> { target, direction }. */
const jobs = new Map();
let lastJob = 0;

/** A transfer document as the service prints one, with an endpoint as long as the service's (a signed token). */
function transferXml(req, id, job) {
  const endpoint = `http://${req.headers.host}${BASE}/data/${id}.${'t'.repeat(120)}`;
  const proto = job.direction === 'pushToVoSpace' ? 'httpput' : 'httpget';
  return `${DECL}<vos:transfer xmlns:vos="${NS}" version="2.1"><vos:target>${job.target}</vos:target><vos:direction>${job.direction}</vos:direction>`
    + `<vos:protocol uri="${CORE}${proto}"><vos:endpoint>${endpoint}</vos:endpoint></vos:protocol><vos:keepBytes>false</vos:keepBytes></vos:transfer>`;
}

/** UWS transfer jobs and their endpoints; false if `path` is none of theirs. */
function transfers(req, res, path, body) {
  const m = /^\/(transfers|synctrans)(?:\/([^/]+)(\/phase|\/results\/transferDetails)?)?$/.exec(path.slice(BASE.length));
  if (path.startsWith(`${BASE}/data/`)) return send(res, req.method === 'PUT' ? 201 : 405), true;
  if (!m) return false;
  const [, list, id, part] = m;
  if (req.method === 'POST' && !id) {
    const target = /<(?:\w+:)?target>([^<]*)</.exec(body)?.[1];
    const direction = /<(?:\w+:)?direction>([^<]*)</.exec(body)?.[1];
    if (!target || !direction) return send(res, 400, 'InvalidArgument'), true;
    const jid = `job${++lastJob}`;
    jobs.set(jid, { target, direction, phase: list === 'synctrans' ? 'EXECUTING' : 'PENDING' });
    res.setHeader('location', `${BASE}/transfers/${jid}${list === 'synctrans' ? '/results/transferDetails' : ''}`);
    return send(res, 303), true;
  }
  const job = jobs.get(id);
  if (!job) return send(res, 404, 'NotFound'), true;
  if (req.method === 'POST' && part === '/phase') {
    if (/PHASE=RUN/i.test(body)) job.phase = 'EXECUTING';
    res.setHeader('location', `${BASE}/transfers/${id}`);
    return send(res, 303), true;
  }
  if (req.method === 'GET' && part === '/phase') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': job.phase.length });
    return res.end(job.phase), true;
  }
  if (req.method === 'GET' && part) return send(res, 200, transferXml(req, id, job)), true;
  return send(res, 405, 'OperationNotSupported'), true;
}

function handle(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url, 'http://x');
    if (req.method === 'GET' && url.pathname === `${BASE}/protocols`) return send(res, 200, PROTOCOLS);
    if (transfers(req, res, url.pathname, Buffer.concat(chunks).toString())) return;
    if (!url.pathname.startsWith(`${BASE}/nodes/`)) return send(res, 404, 'not found');
    let path;
    try { path = url.pathname.slice(BASE.length + 7).split('/').filter(Boolean).map(decodeURIComponent).join('/'); } catch { return send(res, 400, 'InvalidURI'); }
    const type = nodes.get(path);
    switch (req.method) {
      case 'GET': {
        if (!type) return send(res, 404, `NodeNotFound: ${path}`);
        const detail = url.searchParams.get('detail') ?? 'max';
        return send(res, 200, nodeXml(path, type, detail, type === 'ContainerNode' ? listing(path, url.searchParams) : ''));
      }
      case 'PUT': {
        if (type) return send(res, 409, `DuplicateNode: ${path}`);
        const t = /type="(?:[\w-]+:)?(\w+)"/.exec(Buffer.concat(chunks).toString())?.[1] ?? 'DataNode';
        nodes.set(path, t);
        const parent = parentOf(path);
        if (!children.has(parent)) children.set(parent, new Map());
        children.get(parent).set(nameOf(path), t);
        res.setHeader('location', `${BASE}/nodes/${path}`);
        return send(res, 201, nodeXml(path, t));
      }
      case 'POST': // setNode: a real service answers with the node, its new properties in it
        if (!type) return send(res, 404, `NodeNotFound: ${path}`);
        return send(res, 200, Buffer.concat(chunks).toString());
      case 'DELETE':
        if (!type) return send(res, 404, `NodeNotFound: ${path}`);
        remove(path);
        children.get(parentOf(path))?.delete(nameOf(path));
        return send(res, 204);
      default:
        return send(res, 405, 'OperationNotSupported');
    }
  });
}

/** The service's HTTP stack around `handle`: Express with the middleware src/app.ts puts before every route. */
function throughExpress() {
  const require = createRequire(import.meta.url);
  const express = require('express');
  const { securityHeaders } = require('../dist/src/http/securityHeaders.js');
  const { requestLog } = require('../dist/src/http/requestLog.js');
  const { rateLimitPerCaller } = require('../dist/src/http/rateLimit.js');
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(securityHeaders(), requestLog(), rateLimitPerCaller(60_000));
  app.use(handle);
  return app;
}

const server = http.createServer(process.argv.includes('--express') ? throughExpress() : handle);
server.keepAliveTimeout = 65000;
server.listen(Number(process.argv[2] ?? 0) || 0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}${BASE}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { server.close(); server.closeAllConnections(); process.exit(0); });
