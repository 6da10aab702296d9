import { useRef } from 'react';
import { request } from '../api/client';
import { graphql } from '../gql';
import { DialogForm } from '../ui/DialogForm';
import type { NodeRef } from './paths';

const DeleteMutation = graphql(`
  mutation DeleteNode($path: String!) {
    deleteNode(path: $path)
  }
`);

/** Confirms, then deletes each node (a folder with all it holds); stops at the first fault, keeping what went gone. */
export function DeleteDialog({ nodes, onClose }: { nodes: NodeRef[]; onClose(changed: boolean): void }) {
  const changed = useRef(false);
  async function remove() {
    for (const n of nodes) {
      await request(DeleteMutation, { path: n.path });
      changed.current = true;
    }
    onClose(true);
  }
  const folders = nodes.some((n) => n.type === 'ContainerNode');
  return (
    <DialogForm title="Delete" action="Delete" alert onSubmit={remove} onCancel={() => onClose(changed.current)}>
      <p>
        Delete {nodes.length === 1 ? '' : `these ${nodes.length} items: `}
        {nodes.map((n) => n.name).join(', ')}
        {folders ? ', with everything in the folders' : ''}? This cannot be undone.
      </p>
    </DialogForm>
  );
}
