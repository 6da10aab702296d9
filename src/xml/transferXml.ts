/** The VOSpace transfer document: read from clients, written as a job's transferDetails. */
import { fault } from '../domain/faults';
import type { Job } from '../domain/job';
import type { NodeUris } from '../domain/paths';
import { isMoveOrCopy, readDirection, type Transfer } from '../domain/transfer';
import { VOS_NS, isVosNs } from './namespaces';
import { XML_DECLARATION, builder } from './nodeXml';
import { attr, childNamed, childrenNamed, parseXml } from './parse';

const text = (s: string | undefined) => (s ?? '').trim();

export function parseTransferDocument(body: Buffer | string, uris: NodeUris): Transfer {
  const root = parseXml(body);
  if (root.local !== 'transfer' || !isVosNs(root.ns)) throw fault('InvalidArgument', `expected a vos:transfer document, got ${root.local}`);
  const target = childNamed(root, 'target', isVosNs);
  const direction = childNamed(root, 'direction', isVosNs);
  if (!target || !text(target.text)) throw fault('InvalidArgument', 'the transfer has no target');
  if (!direction || !text(direction.text)) throw fault('InvalidArgument', 'the transfer has no direction');
  const keep = text(childNamed(root, 'keepBytes', isVosNs)?.text).toLowerCase();
  if (keep && keep !== 'true' && keep !== 'false') throw fault('InvalidArgument', `keepBytes must be true or false`);
  const view = childNamed(root, 'view', isVosNs);
  return {
    target: uris.parse(text(target.text)),
    direction: readDirection(uris, text(direction.text)),
    view: view ? attr(view, 'uri') : undefined,
    protocols: childrenNamed(root, 'protocol', isVosNs).map((p) => {
      const uri = attr(p, 'uri');
      if (!uri) throw fault('InvalidArgument', 'a protocol has no uri');
      const endpoint = childNamed(p, 'endpoint', isVosNs);
      const sm = childNamed(p, 'securityMethod', isVosNs);
      return { uri, endpoint: endpoint ? text(endpoint.text) : undefined, securityMethod: sm ? attr(sm, 'uri') : undefined };
    }),
    keepBytes: keep === 'true',
    params: childrenNamed(root, 'param', isVosNs).map((p) => ({ uri: attr(p, 'uri') ?? '', value: p.text })),
  };
}

/** The transfer as an XML object (for transferDetails and a job's jobInfo). */
export function transferElement(uris: NodeUris, job: Job, withNamespace = true): Record<string, unknown> {
  const t = job.transfer;
  const el: Record<string, unknown> = withNamespace ? { '@xmlns:vos': VOS_NS } : {};
  el['@version'] = '2.1';
  el['vos:target'] = uris.format(t.target);
  el['vos:direction'] = isMoveOrCopy(t) ? uris.format(t.direction.destination) : t.direction;
  if (t.view) el['vos:view'] = { '@uri': t.view };
  if (!isMoveOrCopy(t)) {
    el['vos:protocol'] = job.protocols.map((p) => ({
      '@uri': p.uri,
      'vos:endpoint': p.endpoint,
      ...(p.securityMethod ? { 'vos:securityMethod': { '@uri': p.securityMethod } } : {}),
    }));
  }
  // keepBytes tells a move from a copy: a data transfer never had one.
  if (isMoveOrCopy(t)) el['vos:keepBytes'] = String(t.keepBytes);
  return el;
}

export function printTransfer(uris: NodeUris, job: Job): string {
  return XML_DECLARATION + builder.build({ 'vos:transfer': transferElement(uris, job) });
}
