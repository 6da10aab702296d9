/** Service-level documents: /protocols, /views, /properties, /capabilities, /availability. */
import type { Request, Response } from 'express';
import { ADMIN_PROPERTIES, COMPUTED_PROPERTIES, STANDARD_PROPERTIES } from '../domain/properties';
import { originOf } from '../http/origin';
import type { Services } from '../services/context';
import { printAvailability, printCapabilities, printProperties, printProtocols, printViews, type Capability } from '../xml/serviceXml';

const XML = 'text/xml; charset=utf-8';
const TOKEN = 'ivo://ivoa.net/sso#token';

/** What this service really serves. */
export const CAPABILITIES: Capability[] = [
  { standardID: 'ivo://ivoa.net/std/VOSI#capabilities', path: '/capabilities', use: 'full', securityMethods: [] },
  { standardID: 'ivo://ivoa.net/std/VOSI#availability', path: '/availability', use: 'full', securityMethods: [] },
  { standardID: 'ivo://ivoa.net/std/VOSpace/v2.0#nodes', path: '/nodes', use: 'base', securityMethods: [TOKEN] },
  { standardID: 'ivo://ivoa.net/std/VOSpace/v2.0#properties', path: '/properties', use: 'full', securityMethods: [] },
  { standardID: 'ivo://ivoa.net/std/VOSpace/v2.0#views', path: '/views', use: 'full', securityMethods: [] },
  { standardID: 'ivo://ivoa.net/std/VOSpace/v2.0#protocols', path: '/protocols', use: 'full', securityMethods: [] },
  { standardID: 'ivo://ivoa.net/std/VOSpace/v2.0#transfers', path: '/transfers', use: 'full', securityMethods: [TOKEN] },
  { standardID: 'ivo://ivoa.net/std/VOSpace#sync-2.1', path: '/synctrans', use: 'full', securityMethods: [TOKEN] },
  { standardID: 'ivo://ivoa.net/std/VOSpace#files-proto', path: '/files', use: 'base', securityMethods: [TOKEN] },
  { standardID: 'ivo://ivoa.net/std/VOSpace#recursive-delete-proto', path: '/async-delete', use: 'full', securityMethods: [TOKEN] },
  { standardID: 'ivo://ivoa.net/std/VOSpace#recursive-nodeprops-proto', path: '/async-setprops', use: 'full', securityMethods: [TOKEN] },
];

/** The public base of the REST binding as the client reached it. */
export const baseUrl = (req: Request) => `${originOf(req)}${req.baseUrl}`;

/**
 * The schemes transfers can use: those of the live storage servers' URLs
 * (a public_url starting https:// for one behind a TLS proxy), or with none
 * live, of this process's own storage configuration.
 */
async function storageSchemes(svc: Services): Promise<Set<'http' | 'https'>> {
  const scheme = (url: string) => (url.startsWith('https:') ? 'https' : 'http');
  const live = await svc.storageServers.live();
  if (live.length) return new Set(live.map((s) => scheme(s.url)));
  const { useSsl, publicUrl } = svc.storage;
  return new Set([useSsl ? 'https' : scheme(publicUrl)]);
}

export function serviceHandlers(svc: Services) {
  return {
    protocols: async (_req: Request, res: Response) => void res.type(XML).send(printProtocols(await storageSchemes(svc))),
    views: (_req: Request, res: Response) => void res.type(XML).send(printViews()),
    properties: async (_req: Request, res: Response) => {
      const used: { uri: string }[] = await svc.db('properties').distinct('uri').orderBy('uri').limit(10000);
      const provides = [...COMPUTED_PROPERTIES];
      const accepts = STANDARD_PROPERTIES.filter((u) => !COMPUTED_PROPERTIES.has(u) && !ADMIN_PROPERTIES.has(u));
      const contains = [...new Set([...provides, ...used.map((r) => r.uri)])].sort();
      res.type(XML).send(printProperties({ accepts, provides, contains }));
    },
    capabilities: (req: Request, res: Response) => void res.type(XML).send(printCapabilities(baseUrl(req), CAPABILITIES)),
    availability: async (_req: Request, res: Response) => {
      let up = true;
      try {
        await svc.db.raw('select 1');
      } catch {
        up = false;
      }
      res.status(up ? 200 : 503).type(XML).send(printAvailability(up, up ? 'service is accepting requests' : 'database unreachable'));
    },
  };
}
