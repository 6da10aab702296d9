/** Node paths in the portal: no leading '/', '' is the root (as NodeDialogProps has them). */

/** A path as the API writes it ('/alice/x') in the portal's form ('alice/x'). */
export const plainPath = (p: string) => p.replace(/^\/+|\/+$/g, '');

export const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);
export const parentOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
export const joinPath = (parent: string, name: string) => (parent === '' ? name : `${parent}/${name}`);

const encodePath = (path: string) => path.split('/').filter(Boolean).map(encodeURIComponent).join('/');

/** The portal's URL of a container's listing. */
export const browseHref = (path: string) => `/browse/${encodePath(path)}`;

/** The vos:// URI of a path, in the space a known node URI belongs to (`vos://example.org!vospace/…`). */
export function vosUri(knownUri: string, path: string): string {
  const space = /^vos:\/\/[^/]*/i.exec(knownUri)?.[0] ?? '';
  return path === '' ? space : `${space}/${encodePath(path)}`;
}

/** The path a vos:// URI names, or null for anything else (an http link, another space's URI is taken as ours). */
export function pathOfVosUri(uri: string): string | null {
  const m = /^vos:\/\/[^/]*(\/.*)?$/i.exec(uri);
  if (!m) return null;
  try {
    return (m[1] ?? '').split('/').filter(Boolean).map(decodeURIComponent).join('/');
  } catch {
    return null;
  }
}

/** What the toolbar's actions need of a node (path without the leading '/'). */
export interface NodeRef {
  name: string;
  path: string;
  uri: string;
  type: string;
}

/** A new name typed by the user: refused here when it could never be one name (the service checks the rest). */
export function checkNewName(raw: FormDataEntryValue | null): string {
  const name = String(raw ?? '').trim();
  if (name === '' || name === '.' || name === '..') throw new Error(`InvalidURI: '${name}' is not a name`);
  if (name.includes('/')) throw new Error(`InvalidURI: a name may not contain '/'`);
  return name;
}
