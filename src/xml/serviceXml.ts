/** Service documents: getProtocols, getViews, getProperties, VOSI capabilities and availability. */
import { SERVICE_VIEWS, protocolsFor } from '../domain/views';
import { VOSI_AVAIL_NS, VOSI_CAP_NS, VOS_NS, VS_NS, XSI_NS } from './namespaces';
import { builder, XML_DECLARATION } from './nodeXml';

const list = (elem: string, uris: string[]) => ({ [elem]: uris.map((uri) => ({ '@uri': uri })) });

function vosDoc(rootName: string, parts: Record<string, string[]>, elem: string): string {
  const root: Record<string, unknown> = { '@xmlns:vos': VOS_NS };
  for (const [k, uris] of Object.entries(parts)) root[`vos:${k}`] = uris.length ? list(`vos:${elem}`, uris) : '';
  return XML_DECLARATION + builder.build({ [`vos:${rootName}`]: root });
}

export const printProtocols = (schemes: ReadonlySet<'http' | 'https'>) => vosDoc('protocols', protocolsFor(schemes), 'protocol');
export const printViews = () => vosDoc('views', SERVICE_VIEWS, 'view');
export const printProperties = (parts: { accepts: string[]; provides: string[]; contains: string[] }) =>
  vosDoc('properties', parts, 'property');

export interface Capability {
  standardID: string;
  /** Path below the service base, e.g. '/nodes'. */
  path: string;
  use: 'full' | 'base';
  /** Security methods offered besides anonymous access. */
  securityMethods: string[];
}

export function printCapabilities(base: string, caps: Capability[]): string {
  const capability = caps.map((c) => ({
    '@standardID': c.standardID,
    interface: [undefined, ...c.securityMethods].map((sm) => ({
      '@xsi:type': 'vs:ParamHTTP',
      '@role': 'std',
      accessURL: { '@use': c.use, '#text': `${base}${c.path}` },
      ...(sm ? { securityMethod: { '@standardID': sm } } : {}),
    })),
  }));
  return XML_DECLARATION + builder.build({
    'vosi:capabilities': { '@xmlns:vosi': VOSI_CAP_NS, '@xmlns:xsi': XSI_NS, '@xmlns:vs': VS_NS, capability },
  });
}

export function printAvailability(available: boolean, note: string): string {
  return XML_DECLARATION + builder.build({
    'vosi:availability': { '@xmlns:vosi': VOSI_AVAIL_NS, 'vosi:available': String(available), 'vosi:note': note },
  });
}
