import { request } from '../api/client';
import { graphql } from '../gql';
import { DialogForm } from '../ui/DialogForm';
import { checkNewName, joinPath } from './paths';

const CreateFolderMutation = graphql(`
  mutation CreateFolder($path: String!) {
    createNode(path: $path, type: ContainerNode) {
      id
    }
  }
`);

export function NewFolderDialog({ parent, onClose }: { parent: string; onClose(changed: boolean): void }) {
  async function create(form: FormData) {
    await request(CreateFolderMutation, { path: joinPath(parent, checkNewName(form.get('name'))) });
    onClose(true);
  }
  return (
    <DialogForm title="New folder" action="Create" onSubmit={create} onCancel={() => onClose(false)}>
      <label>
        Name
        <input name="name" required autoFocus />
      </label>
    </DialogForm>
  );
}
