import { CORE } from './properties';

/** Views a data node accepts on import and provides on export. */
export const DATA_VIEWS = {
  accepts: [`${CORE}anyview`],
  provides: [`${CORE}defaultview`, `${CORE}binaryview`],
};

/** Transfer protocols served: uploads (accepts) and downloads (provides), https ones when storage runs TLS. */
export function protocolsFor(tls: boolean): { accepts: string[]; provides: string[] } {
  return tls
    ? { accepts: [`${CORE}httpput`, `${CORE}httpsput`], provides: [`${CORE}httpget`, `${CORE}httpsget`] }
    : { accepts: [`${CORE}httpput`], provides: [`${CORE}httpget`] };
}
