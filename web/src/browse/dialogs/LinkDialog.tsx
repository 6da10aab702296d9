/** A LinkNode in the current container, to a vos: or http(s) URI. */
import { request } from '../../api/client';
import { graphql } from '../../gql';
import { DialogForm } from '../../ui/DialogForm';
import { checkNewName, joinPath } from '../paths';
import type { NodeDialogProps } from './types';

const CreateLinkMutation = graphql(`
  mutation CreateLink($path: String!, $target: String!) {
    createNode(path: $path, type: LinkNode, target: $target) {
      path
    }
  }
`);

/** The target typed, refused here unless it is a vos:, http: or https: URI (the service takes any URI). */
function checkTarget(raw: FormDataEntryValue | null): string {
  const target = String(raw ?? '').trim();
  let protocol: string;
  try {
    protocol = new URL(target).protocol;
  } catch {
    throw new Error(`InvalidArgument: '${target}' is not a URI: give a vos://, http:// or https:// one`);
  }
  if (!['vos:', 'http:', 'https:'].includes(protocol)) throw new Error(`InvalidArgument: a link goes to a vos:, http: or https: URI, not ${protocol}`);
  return target;
}

export function LinkDialog({ path, onClose }: NodeDialogProps) {
  async function create(form: FormData) {
    const name = checkNewName(form.get('name'));
    await request(CreateLinkMutation, { path: `/${joinPath(path, name)}`, target: checkTarget(form.get('target')) });
    onClose(true);
  }
  return (
    <DialogForm title="Link" action="Create" onSubmit={create} onCancel={() => onClose(false)}>
      <p>
        A link in /{path} to another node (vos://…) or a web page (http(s)://…).
      </p>
      <label>
        Name
        <input name="name" required autoFocus />
      </label>
      <label>
        Target URI
        <input name="target" required placeholder="vos://… or https://…" />
      </label>
    </DialogForm>
  );
}
