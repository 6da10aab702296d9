/** Standard property URIs and which of them the service computes. */
export const CORE = 'ivo://ivoa.net/vospace/core#';

export const P = {
  title: `${CORE}title`,
  creator: `${CORE}creator`,
  description: `${CORE}description`,
  date: `${CORE}date`,
  type: `${CORE}type`,
  format: `${CORE}format`,
  length: `${CORE}length`,
  ctime: `${CORE}ctime`,
  mtime: `${CORE}mtime`,
  btime: `${CORE}btime`,
  md5: `${CORE}MD5`,
  groupread: `${CORE}groupread`,
  groupwrite: `${CORE}groupwrite`,
  publicread: `${CORE}publicread`,
  ispublic: `${CORE}ispublic`,
  quota: `${CORE}quota`,
  availableSpace: `${CORE}availableSpace`,
} as const;

/** Every property the standard names (GET /properties lists them as `contains`). */
export const STANDARD_PROPERTIES = [
  'title', 'creator', 'subject', 'description', 'publisher', 'contributor', 'date', 'type', 'format',
  'identifier', 'source', 'language', 'relation', 'coverage', 'rights', 'availableSpace', 'groupread',
  'groupwrite', 'publicread', 'quota', 'length', 'mtime', 'ctime', 'btime', 'MD5', 'ispublic',
].map((n) => `${CORE}${n}`);

/** Computed by the service from the node itself; a client may read but never set them. */
export const COMPUTED_PROPERTIES: ReadonlySet<string> = new Set([
  P.length, P.date, P.ctime, P.mtime, P.btime, P.md5, P.creator, P.availableSpace,
]);

/** Only an administrator may set these. */
export const ADMIN_PROPERTIES: ReadonlySet<string> = new Set([P.quota]);

export const MAX_PROPERTY_URI = 1024;
export const MAX_PROPERTY_VALUE = 65536;

export interface Property {
  uri: string;
  value: string;
  readOnly: boolean;
}

/** A property change from setNode/createNode: `value === null` deletes it (xsi:nil). */
export interface PropertyChange {
  uri: string;
  value: string | null;
  readOnly?: boolean;
}
