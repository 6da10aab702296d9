/**
 * Rename is a move to a new name in the same folder (a transfer job, waited
 * for). A name already taken is refused here with DuplicateNode: as a move,
 * a name taken by a folder would put the node inside that folder.
 */
import { ApiError, request } from '../api/client';
import { graphql } from '../gql';
import { DialogForm } from '../ui/DialogForm';
import { finishJob } from './jobs';
import { checkNewName, joinPath, parentOf, vosUri, type NodeRef } from './paths';

const NodeExistsQuery = graphql(`
  query NodeExists($path: String!) {
    node(path: $path) {
      id
    }
  }
`);

const MoveMutation = graphql(`
  mutation MoveNode($target: String!, $direction: String!, $keepBytes: Boolean!) {
    negotiateTransfer(target: $target, direction: $direction, keepBytes: $keepBytes) {
      id
    }
  }
`);

/** Moves (or copies) a node to a path or into a container, and waits for the job to end; a fault of the job is thrown. */
export async function moveOrCopy(node: NodeRef, destination: string, keepBytes: boolean): Promise<void> {
  const { negotiateTransfer: job } = await request(MoveMutation, { target: node.uri, direction: vosUri(node.uri, destination), keepBytes });
  await finishJob(job.id);
}

export function RenameDialog({ node, onClose }: { node: NodeRef; onClose(changed: boolean): void }) {
  async function rename(form: FormData) {
    const name = checkNewName(form.get('name'));
    if (name === node.name) return onClose(false);
    const path = joinPath(parentOf(node.path), name);
    if ((await request(NodeExistsQuery, { path })).node) throw new ApiError(`DuplicateNode: /${path} already exists`, 'DuplicateNode');
    await moveOrCopy(node, path, false);
    onClose(true);
  }
  return (
    <DialogForm title={`Rename ${node.name}`} action="Rename" onSubmit={rename} onCancel={() => onClose(false)}>
      <label>
        New name
        <input name="name" required autoFocus defaultValue={node.name} />
      </label>
    </DialogForm>
  );
}
