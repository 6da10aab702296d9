import { CORE } from './properties';

/** Views a data node accepts on import and provides on export (its <accepts> and <provides>). */
export const DATA_NODE_VIEWS = {
  accepts: [`${CORE}anyview`],
  provides: [`${CORE}defaultview`, `${CORE}binaryview`],
};

/**
 * Archive views of a container: a tar pushed with it unpacks into the
 * container, a pull with it packs the subtree. The schema gives a
 * ContainerNode no <accepts>/<provides>, so only getViews lists them.
 */
export const CONTAINER_VIEWS = {
  accepts: [`${CORE}tar`],
  provides: [`${CORE}tar`],
};

/** Every view the service speaks, as getViews (GET /vospace/views) lists them. */
export const SERVICE_VIEWS = {
  accepts: [...DATA_NODE_VIEWS.accepts, ...CONTAINER_VIEWS.accepts],
  provides: [...DATA_NODE_VIEWS.provides, ...CONTAINER_VIEWS.provides],
};

/**
 * Transfer protocols served, uploads (accepts) and downloads (provides), by
 * the schemes of the storage servers' URLs: a server reached over TLS (its
 * own, or a proxy's in front of it) speaks only https.
 */
export function protocolsFor(schemes: ReadonlySet<'http' | 'https'>): { accepts: string[]; provides: string[] } {
  const tls = [...schemes].sort().map((s) => (s === 'https' ? 's' : ''));
  return { accepts: tls.map((s) => `${CORE}http${s}put`), provides: tls.map((s) => `${CORE}http${s}get`) };
}
