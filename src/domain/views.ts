import { CORE } from './properties';

/** Views a data node accepts on import and provides on export. */
export const DATA_VIEWS = {
  accepts: [`${CORE}anyview`],
  provides: [`${CORE}defaultview`, `${CORE}binaryview`],
};

/** Transfer protocols served. Bytes move through the storage server, which is not built yet: none. */
export const PROTOCOLS: { accepts: string[]; provides: string[] } = { accepts: [], provides: [] };
