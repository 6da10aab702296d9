/**
 * Move or copy the selected nodes into a container: the field `Destination`
 * (prefilled with the current folder) and the folders found among the first
 * children there, to go down into with a click (or up with `Parent folder`).
 */
import { useEffect, useRef, useState } from 'react';
import { ApiError, request } from '../api/client';
import { graphql } from '../gql';
import { DialogForm } from '../ui/DialogForm';
import { parentOf, plainPath, type NodeRef } from './paths';
import { moveOrCopy } from './RenameDialog';

/** How many children of the destination are looked through for folders to offer. */
const LOOK_AT = 200;

const DestinationQuery = graphql(`
  query Destination($path: String!, $first: Int!) {
    node(path: $path) {
      id
      type
      children(first: $first) {
        edges {
          node {
            id
            name
            path
            type
          }
        }
      }
    }
  }
`);

interface Props {
  verb: 'Move' | 'Copy';
  nodes: NodeRef[];
  /** The folder being browsed. */
  from: string;
  onClose(changed: boolean): void;
}

export function MoveCopyDialog({ verb, nodes, from, onClose }: Props) {
  const [dest, setDest] = useState(`/${from}`);
  const [folders, setFolders] = useState<{ name: string; path: string }[]>([]);
  const changed = useRef(false);
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      request(DestinationQuery, { path: plainPath(dest), first: LOOK_AT }).then(
        ({ node }) => live && setFolders((node?.children.edges ?? []).map((e) => e.node).filter((n) => n.type === 'ContainerNode')),
        () => live && setFolders([]),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [dest]);

  async function go() {
    const path = plainPath(dest.trim());
    const { node } = await request(DestinationQuery, { path, first: 0 });
    if (node?.type !== 'ContainerNode') throw new ApiError(`ContainerNotFound: /${path} is not a folder you can open`, 'ContainerNotFound');
    for (const n of nodes) {
      await moveOrCopy(n, path, verb === 'Copy');
      changed.current = true;
    }
    onClose(true);
  }
  const what = nodes.length === 1 ? nodes[0].name : `${nodes.length} items`;
  return (
    <DialogForm title={`${verb} ${what}`} action={verb} onSubmit={go} onCancel={() => onClose(changed.current)}>
      <label>
        Destination
        <input name="destination" value={dest} onChange={(e) => setDest(e.target.value)} required autoFocus />
      </label>
      <ul className="folders" aria-label="Folders there">
        {plainPath(dest) !== '' && (
          <li>
            <button type="button" onClick={() => setDest(`/${parentOf(plainPath(dest))}`)}>
              Parent folder
            </button>
          </li>
        )}
        {folders.map((f) => (
          <li key={f.path}>
            <button type="button" onClick={() => setDest(f.path)}>
              {f.name}/
            </button>
          </li>
        ))}
      </ul>
    </DialogForm>
  );
}
