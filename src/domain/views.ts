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

/** Transfer protocols served: uploads (accepts) and downloads (provides); a storage server with TLS speaks only https. */
export function protocolsFor(tls: boolean): { accepts: string[]; provides: string[] } {
  return tls ? { accepts: [`${CORE}httpsput`], provides: [`${CORE}httpsget`] } : { accepts: [`${CORE}httpput`], provides: [`${CORE}httpget`] };
}
