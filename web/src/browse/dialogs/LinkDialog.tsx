/** A LinkNode in the current container, to a vos: or http(s) URI. */
import { useState, type FormEvent } from 'react';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import type { NodeDialogProps } from './types';

const CreateLinkMutation = graphql(`
  mutation CreateLink($path: String!, $target: String!) {
    createNode(path: $path, type: LinkNode, target: $target) {
      path
    }
  }
`);

/** Why a target cannot be linked to, or null when it can. */
function linkTargetProblem(target: string): string | null {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return 'The target is not a URI: give a vos:// or http(s):// URI.';
  }
  if (!['vos:', 'http:', 'https:'].includes(url.protocol)) return `A link goes to a vos:, http: or https: URI, not ${url.protocol}`;
  return null;
}

export function LinkDialog({ path, onClose }: NodeDialogProps) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const name = String(form.get('name')).trim();
    const target = String(form.get('target')).trim();
    const problem = name.includes('/') ? 'A name cannot hold "/".' : linkTargetProblem(target);
    if (problem) return setError(problem);
    setBusy(true);
    setError(null);
    try {
      await request(CreateLinkMutation, { path: `/${path ? `${path}/` : ''}${name}`, target });
      onClose(true);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <Dialog title="Link" onClose={() => onClose(false)}>
      <form onSubmit={submit} className="dialog-form">
        <p>A link in /{path} to another node (vos://…) or a web page (http(s)://…).</p>
        <label>
          Name
          <input name="name" required autoFocus />
        </label>
        <label>
          Target URI
          <input name="target" required placeholder="vos://… or https://…" />
        </label>
        <Alert error={error} />
        <div className="buttons">
          <button type="button" onClick={() => onClose(false)}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            Create
          </button>
        </div>
      </form>
    </Dialog>
  );
}
