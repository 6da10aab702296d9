/** The transfer a client negotiates, as read from its XML (or the synctrans URL form). */
import { fault } from './faults';
import { byteCount } from './node';
import type { NodeUris } from './paths';
import { CORE, P } from './properties';

export const DIRECTIONS = ['pushToVoSpace', 'pullFromVoSpace', 'pushFromVoSpace', 'pullToVoSpace'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const PROTOCOL = {
  httpget: `${CORE}httpget`,
  httpput: `${CORE}httpput`,
  httpsget: `${CORE}httpsget`,
  httpsput: `${CORE}httpsput`,
} as const;

export const VIEW = {
  any: `${CORE}anyview`,
  default: `${CORE}defaultview`,
  binary: `${CORE}binaryview`,
  tar: `${CORE}tar`,
} as const;

export interface ProtocolRequest {
  uri: string;
  endpoint?: string;
  securityMethod?: string;
}

export interface Transfer {
  /** Node path of the target. */
  target: string;
  /** A data direction, or the node path a move/copy goes to. */
  direction: Direction | { destination: string };
  view?: string;
  protocols: ProtocolRequest[];
  /** For move/copy: false moves, true copies. */
  keepBytes: boolean;
  params: { uri: string; value: string }[];
}

export const isMoveOrCopy = (t: Transfer): t is Transfer & { direction: { destination: string } } =>
  typeof t.direction === 'object';

/** The size a client declared for a push (a `core#length` param of the transfer), if it did. */
export function declaredLength(t: Transfer): number | undefined {
  const param = t.params.find((p) => p.uri === P.length);
  if (!param) return undefined;
  const n = byteCount(param.value);
  if (n === undefined) throw fault('InvalidArgument', `${P.length} must be a whole number of bytes, not ${param.value.trim().slice(0, 64)}`);
  return n;
}

/** A direction as written: one of the four data directions, or a node URI (move/copy). */
export function readDirection(uris: NodeUris, raw: string): Transfer['direction'] {
  if ((DIRECTIONS as readonly string[]).includes(raw)) return raw as Direction;
  if (/^(vos:|\/)/i.test(raw)) return { destination: uris.parse(raw) };
  throw fault('InvalidArgument', `unknown transfer direction: ${raw.slice(0, 200)}`);
}
