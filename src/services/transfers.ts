/**
 * Running a transfer job: negotiate a data transfer (check the node, the view
 * and the protocols, hand out one-shot endpoints on every live storage
 * server), or carry out a move or copy.
 */
import { endpointToken } from '../auth/endpoints';
import type { Identity } from '../auth/identity';
import { fault, isFault } from '../domain/faults';
import type { AnyJob, Job, NegotiatedProtocol } from '../domain/job';
import type { NodeRecord } from '../domain/node';
import { isContainer, isDataType, isLink } from '../domain/nodeTypes';
import { PROTOCOL, declaredLength, isMoveOrCopy, type Transfer } from '../domain/transfer';
import { CONTAINER_VIEWS as CONTAINER_ARCHIVE_VIEWS, DATA_NODE_VIEWS } from '../domain/views';
import type { Services } from './context';
import { failJob, forgetCreatedNode, transition } from './jobPhases';
import { copyNode, moveNode } from './moveCopy';
import { allow, ancestorsOf, createIn, nodeOrParent, requireNode } from './nodes';
import { publicFault } from './publicFault';
import { checkDeclaredLength } from './quota';

/** A storage server counts as live if heard from within this many seconds. */
export const LIVE_SERVER_SECONDS = 90;

/** Views a transfer may name: what a node accepts (push) or provides (pull). */
const viewSet = (v: { accepts: string[]; provides: string[] }): ReadonlySet<string> => new Set([...v.accepts, ...v.provides]);
const DATA_VIEWS = viewSet(DATA_NODE_VIEWS);

export const transferDetailsHref = (id: string) => `/transfers/${id}/results/transferDetails`;

/** Container archive views: the storage server packs (pull) or unpacks (push) the subtree (storage-server/tarView.ts). */
const CONTAINER_VIEWS = viewSet(CONTAINER_ARCHIVE_VIEWS);

function checkView(t: Transfer, container: boolean): void {
  if (!t.view) return;
  if ((container ? CONTAINER_VIEWS : DATA_VIEWS).has(t.view)) return;
  throw fault('ViewNotSupported', t.view);
}

/** What a push writes: a data node (or a container, for a tar view) that exists, or a new data node to make in `parent`. */
type PushTarget = { node: NodeRecord } | { parent: NodeRecord; path: string };

/**
 * For a push: every check that can refuse it, made before anything is
 * written, so a refused push leaves nothing behind.
 */
async function pushTarget(svc: Services, who: Identity, t: Transfer): Promise<PushTarget> {
  const found = await nodeOrParent(svc, svc.db, t.target);
  if ('parent' in found) {
    const { parent } = found;
    checkView(t, false);
    await allow(svc, who, 'create', parent);
    await checkDeclaredLength(svc, [...(await ancestorsOf(svc, parent)), parent], 0, declaredLength(t));
    return { parent, path: t.target };
  }
  const existing = found.node;
  if (isLink(existing.type)) throw fault('LinkFound', svc.uris.format(existing.path));
  if (!isDataType(existing.type) && !isContainer(existing.type)) {
    throw fault('InvalidArgument', `${svc.uris.format(existing.path)} is a ${existing.type}, which holds no bytes`);
  }
  checkView(t, isContainer(existing.type));
  if (isContainer(existing.type) && !CONTAINER_VIEWS.has(t.view ?? '')) {
    throw fault('ViewNotSupported', `pushing to a container needs a container view (${t.view ?? 'none given'})`);
  }
  await allow(svc, who, isContainer(existing.type) ? 'create' : 'push', existing);
  if (existing.busy) throw fault('NodeBusy', `${svc.uris.format(existing.path)} is being written`);
  if (!isContainer(existing.type)) await checkDeclaredLength(svc, [...(await ancestorsOf(svc, existing)), existing], existing.size, declaredLength(t));
  return { node: existing };
}

/**
 * The node a push writes, made once every check has passed. Another push
 * that made it first (pushes to one new path, negotiated at once) is no
 * refusal: the node exists, and is checked as any existing one. Returns the
 * node's path and, when this push made it, its id.
 */
async function pushedNode(svc: Services, who: Identity, t: Transfer, target: PushTarget, tries = 3): Promise<{ path: string; created?: number }> {
  if ('node' in target) return { path: target.node.path };
  try {
    const node = await createIn(svc, who, target.parent, target.path, { type: 'DataNode', properties: [] });
    return { path: node.path, created: node.id };
  } catch (e) {
    if (!(isFault(e) && e.fault === 'DuplicateNode') || tries <= 1) throw e;
    return pushedNode(svc, who, t, await pushTarget(svc, who, t), tries - 1);
  }
}

async function pullTarget(svc: Services, who: Identity, t: Transfer): Promise<NodeRecord> {
  const node = await requireNode(svc, svc.db, t.target);
  if (isLink(node.type)) throw fault('LinkFound', svc.uris.format(node.path));
  await allow(svc, who, 'pull', node);
  if (!isDataType(node.type) && !isContainer(node.type)) {
    throw fault('InvalidArgument', `${svc.uris.format(node.path)} is a ${node.type}, which holds no bytes`);
  }
  checkView(t, isContainer(node.type));
  if (isContainer(node.type) && !CONTAINER_VIEWS.has(t.view ?? '')) {
    throw fault('ViewNotSupported', `pulling a container needs a container view (${t.view ?? 'none given'})`);
  }
  return node;
}

async function endpoints(svc: Services, jobId: string, t: Transfer, push: boolean): Promise<NegotiatedProtocol[]> {
  const wanted: string[] = push ? [PROTOCOL.httpput, PROTOCOL.httpsput] : [PROTOCOL.httpget, PROTOCOL.httpsget];
  const asked = t.protocols.length ? t.protocols : wanted.map((uri) => ({ uri, securityMethod: undefined }));
  const servers = await svc.storageServers.live();
  const secret = await svc.storageServers.secret();
  // Rounded up, so an endpoint lives at least endpoint_ttl seconds.
  const expires = Math.ceil(Date.now() / 1000) + svc.storage.endpointTtl;
  const token = endpointToken(secret, { jobId, direction: push ? 'put' : 'get', expires });
  const out: NegotiatedProtocol[] = [];
  for (const p of asked) {
    if (!wanted.includes(p.uri)) continue;
    const tls = p.uri === PROTOCOL.httpsput || p.uri === PROTOCOL.httpsget;
    for (const s of servers) {
      if (s.url.startsWith('https:') !== tls) continue;
      out.push({ uri: p.uri, endpoint: `${s.url}/transfer/${token}`, securityMethod: p.securityMethod });
    }
  }
  if (!out.length) {
    if (!servers.length) throw fault('TransferFailed', 'no storage server is available');
    // A client asks for one protocol once per security method: name each once.
    throw fault('ProtocolNotSupported', [...new Set(asked.map((p) => p.uri))].join(' '));
  }
  return out;
}

/** Negotiates a data transfer: the job goes to EXECUTING with its endpoints, waiting for the bytes; returns it so, unless aborted meanwhile. */
async function negotiate(svc: Services, who: Identity, job: Job): Promise<AnyJob | undefined> {
  const t = job.transfer;
  if (t.direction === 'pushFromVoSpace' || t.direction === 'pullToVoSpace') {
    throw fault('OperationNotSupported', `${t.direction}: this service does not initiate third-party transfers`);
  }
  const push = t.direction === 'pushToVoSpace';
  const planned = push ? await pushTarget(svc, who, t) : { node: await pullTarget(svc, who, t) };
  const protocols = await endpoints(svc, job.id, t, push);
  const { path: target, created } = await pushedNode(svc, who, t, planned);
  const changed = await transition(svc, job, ['QUEUED'], {
    phase: 'EXECUTING',
    startTime: true,
    protocols,
    transfer: { ...t, target },
    createdNode: created,
    results: [{ id: 'transferDetails', href: transferDetailsHref(job.id) }],
  });
  // Aborted while it was being negotiated: the node it made goes again.
  if (!changed) await forgetCreatedNode(svc, { ...job, createdNode: created ?? null });
  return changed;
}

/** Carries out a move or copy (unless aborted before it starts). */
async function moveOrCopy(svc: Services, who: Identity, job: Job): Promise<void> {
  const t = job.transfer;
  if (!isMoveOrCopy(t)) return;
  if (!(await transition(svc, job, ['QUEUED'], { phase: 'EXECUTING', startTime: true }))) return;
  const node = t.keepBytes ? await copyNode(svc, who, t.target, t.direction.destination) : await moveNode(svc, who, t.target, t.direction.destination);
  await transition(svc, job, ['EXECUTING'], {
    phase: 'COMPLETED',
    endTime: true,
    results: [{ id: 'destination', href: svc.uris.format(node.path) }],
  });
}

/**
 * Runs a QUEUED job; any fault puts it in ERROR with the fault recorded. A
 * phase change it loses to (an abort) is left as whoever made it left it.
 * Returns a negotiated job as it went to EXECUTING (undefined otherwise: read it).
 */
export async function execute(svc: Services, who: Identity, job: Job): Promise<AnyJob | undefined> {
  try {
    if (isMoveOrCopy(job.transfer)) await moveOrCopy(svc, who, job);
    else return await negotiate(svc, who, job);
  } catch (e) {
    await failJob(svc, job, publicFault(e, { job: job.id }, 'InternalFault', 'the transfer failed'));
  }
  return undefined;
}
