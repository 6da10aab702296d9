/** UWS 1.1 documents: a job, a job list, results. */
import { resultHref, type AnyJob, type RecursiveJob } from '../domain/job';
import type { NodeUris } from '../domain/paths';
import { UWS_NS, VOS_NS, XLINK_NS, XSI_NS } from './namespaces';
import { XML_DECLARATION, builder } from './nodeXml';
import { transferElement } from './transferXml';

const nil = { '@xsi:nil': 'true' };
const time = (d: Date | null) => (d ? d.toISOString() : nil);
const ns = { '@xmlns:uws': UWS_NS, '@xmlns:xlink': XLINK_NS, '@xmlns:xsi': XSI_NS };

function results(job: AnyJob, base: string) {
  return { 'uws:result': job.results.map((r) => ({ '@id': r.id, '@xlink:href': resultHref(base, r.href) })) };
}

/** What a recursive job was asked, as a node document: the top node and, for setprops, the properties (xsi:nil deletes). */
function recursiveElement(uris: NodeUris, job: RecursiveJob): Record<string, unknown> {
  const el: Record<string, unknown> = { '@uri': uris.format(job.target) };
  if (job.properties.length) {
    el['vos:properties'] = {
      'vos:property': job.properties.map((p) => (p.value === null ? { '@uri': p.uri, '@xsi:nil': 'true' } : { '@uri': p.uri, '#text': p.value })),
    };
  }
  return el;
}

export function printJob(job: AnyJob, base: string, uris: NodeUris): string {
  const el: Record<string, unknown> = { ...ns, '@xmlns:vos': VOS_NS, '@version': '1.1' };
  el['uws:jobId'] = job.id;
  if (job.runId) el['uws:runId'] = job.runId;
  el['uws:ownerId'] = job.owner ?? nil;
  el['uws:phase'] = job.phase;
  el['uws:quote'] = nil;
  el['uws:creationTime'] = job.createdAt.toISOString();
  el['uws:startTime'] = time(job.startTime);
  el['uws:endTime'] = time(job.endTime);
  el['uws:executionDuration'] = String(job.executionDuration);
  el['uws:destruction'] = job.destruction.toISOString();
  el['uws:parameters'] = '';
  el['uws:results'] = results(job, base);
  if (job.error) {
    el['uws:errorSummary'] = { '@type': 'fatal', '@hasDetail': 'true', 'uws:message': `${job.error.fault}: ${job.error.message}` };
  }
  el['uws:jobInfo'] = job.kind === 'transfer' ? { 'vos:transfer': transferElement(uris, job, false) } : { 'vos:node': recursiveElement(uris, job) };
  return XML_DECLARATION + builder.build({ 'uws:job': el });
}

/** A job list; `listUrl` is where it is (…/transfers), each job below it. */
export function printJobList(jobs: AnyJob[], listUrl: string): string {
  const jobref = jobs.map((j) => ({
    '@id': j.id,
    '@xlink:href': `${listUrl}/${j.id}`,
    'uws:phase': j.phase,
    ...(j.runId ? { 'uws:runId': j.runId } : {}),
    'uws:ownerId': j.owner ?? nil,
    'uws:creationTime': j.createdAt.toISOString(),
  }));
  return XML_DECLARATION + builder.build({ 'uws:jobs': { ...ns, '@version': '1.1', 'uws:jobref': jobref } });
}

export function printResults(job: AnyJob, base: string): string {
  return XML_DECLARATION + builder.build({ 'uws:results': { ...ns, ...results(job, base) } });
}
