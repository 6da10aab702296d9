/**
 * Node paths and vos:// URIs.
 *
 * Inside the service a path is the list of names from the root joined by '/',
 * without a leading slash: '' is the root, 'alice/data/x.fits' a node. Names
 * are checked once here, whichever way they arrive (URL, node URI, GraphQL).
 */
import { randomUUID } from 'node:crypto';
import { fault } from './faults';

export const MAX_NAME_BYTES = 255;
export const MAX_PATH_BYTES = 4096;
/** Names the standard reserves: `.auto` asks the server to pick a name, `.null` is a bit bucket. */
export const AUTO_NAME = '.auto';
export const NULL_NAME = '.null';

// Control characters (C0, DEL, C1) never belong in a name.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function checkName(name: string): string {
  if (name === '' || name === '.' || name === '..') throw fault('InvalidURI', `invalid node name '${name}'`);
  if (name.includes('/')) throw fault('InvalidURI', `a node name may not contain '/'`);
  if (CONTROL.test(name)) throw fault('InvalidURI', 'a node name may not contain control characters');
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) {
    throw fault('InvalidURI', `a node name may not exceed ${MAX_NAME_BYTES} bytes`);
  }
  if (!(name as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw fault('InvalidURI', 'a node name must be valid unicode');
  }
  return name;
}

function decodeSegment(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw fault('InvalidURI', `bad percent-encoding in '${seg}'`);
  }
}

/** Joins already-decoded names, dropping the empty ones that doubled slashes leave. */
function fromNames(names: string[]): string {
  const kept = names.filter((n) => n !== '').map(checkName);
  const path = kept.join('/');
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) {
    throw fault('InvalidURI', `a path may not exceed ${MAX_PATH_BYTES} bytes`);
  }
  return path;
}

/** A path as it stands (still percent-encoded) in a URL or a vos URI. */
export function pathFromEncoded(encoded: string): string {
  return fromNames(encoded.split('/').map(decodeSegment));
}

/** A path given plainly (GraphQL, CLI): '/a/b' or 'a/b'. */
export function pathFromPlain(plain: string): string {
  return fromNames(plain.split('/'));
}

export const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);
export const parentOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
export const joinPath = (parent: string, name: string) => (parent === '' ? name : `${parent}/${name}`);

/** The path a new node gets: `.auto` as its name lets the server pick one, `.null` is reserved. */
export function newNodePath(path: string): string {
  const name = nameOf(path);
  if (name === NULL_NAME) throw fault('InvalidURI', `${NULL_NAME} is a reserved name`);
  return name === AUTO_NAME ? joinPath(parentOf(path), randomUUID()) : path;
}

/** True when `path` is `ancestor` or lies below it. */
export function isSelfOrDescendant(path: string, ancestor: string): boolean {
  return ancestor === '' || path === ancestor || path.startsWith(`${ancestor}/`);
}

export const encodeName = (name: string) => encodeURIComponent(name);
export const encodePath = (path: string) => path.split('/').map(encodeName).join('/');

/**
 * Node URIs: `vos://{authority}!vospace/{path}`. Clients also write `~` for
 * `!`, a bare path (`/a/b`), or a doubled slash; all map to one path, and we
 * always answer with `!`.
 */
export class NodeUris {
  private readonly prefix: string;
  constructor(readonly authority: string, readonly service = 'vospace') {
    this.prefix = `vos://${authority}!${service}`;
  }

  format(path: string): string {
    return path === '' ? this.prefix : `${this.prefix}/${encodePath(path)}`;
  }

  parse(uri: string): string {
    const text = uri.trim();
    if (text.startsWith('/')) return pathFromEncoded(text);
    const m = /^vos:\/\/([^/!~]+)[!~]([^/]+)(\/.*)?$/i.exec(text);
    if (!m) throw fault('InvalidURI', `not a node URI: ${uri}`);
    const [, authority, service, rest] = m;
    if (authority.toLowerCase() !== this.authority.toLowerCase() || service !== this.service) {
      throw fault('InvalidURI', `${uri} does not belong to this space (vos://${this.authority}!${this.service})`);
    }
    if (/[?#]/.test(rest ?? '')) throw fault('InvalidURI', `a node URI may not carry a query or fragment: ${uri}`);
    return pathFromEncoded(rest ?? '');
  }
}
