/**
 * Every property of a node: computed (read-only) ones shown, the others
 * editable or removable, new ones added; Save sends the changes in one
 * setProperties (a null value deletes).
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { request } from '../../api/client';
import { graphql } from '../../gql';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import type { NodeDialogProps } from './types';

const NodePropertiesQuery = graphql(`
  query NodeProperties($path: String!) {
    node(path: $path) {
      path
      properties {
        uri
        value
        readOnly
      }
    }
  }
`);

const SetPropertiesMutation = graphql(`
  mutation SetProperties($path: String!, $properties: [PropertyInput!]!) {
    setProperties(path: $path, properties: $properties) {
      path
    }
  }
`);

interface Row {
  uri: string;
  value: string;
  readOnly: boolean;
  /** The stored value; undefined for a property added here. */
  stored?: string;
}

export function PropertiesDialog({ path, onClose }: NodeDialogProps) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [removed, setRemoved] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const idBase = useId();

  useEffect(() => {
    request(NodePropertiesQuery, { path: `/${path}` }).then((d) => {
      if (!d.node) return setError(`/${path} is not there, or you may not read it.`);
      setRows(d.node.properties.map((p) => ({ ...p, stored: p.value })));
    }, setError);
  }, [path]);

  const edit = (uri: string, value: string) => setRows((rs) => rs!.map((r) => (r.uri === uri ? { ...r, value } : r)));

  function remove(row: Row) {
    setRows((rs) => rs!.filter((r) => r !== row));
    if (row.stored !== undefined) setRemoved((rm) => [...rm, row.uri]);
  }

  function add(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const uri = String(data.get('uri')).trim();
    const value = String(data.get('value'));
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(uri)) return setError('A property URI looks like ivo://authority/path#name (a scheme, then no spaces).');
    const existing = rows!.find((r) => r.uri === uri);
    if (existing?.readOnly) return setError(`${uri} is computed by the service and cannot be set.`);
    setError(null);
    if (existing) edit(uri, value);
    else {
      setRemoved((rm) => rm.filter((u) => u !== uri));
      setRows((rs) => [...rs!, { uri, value, readOnly: false }]);
    }
    form.reset();
  }

  async function save() {
    const changes = [
      ...removed.map((uri) => ({ uri, value: null })),
      ...rows!.filter((r) => !r.readOnly && r.value !== r.stored).map((r) => ({ uri: r.uri, value: r.value })),
    ];
    if (!changes.length) return onClose(false);
    setBusy(true);
    setError(null);
    try {
      await request(SetPropertiesMutation, { path: `/${path}`, properties: changes });
      onClose(true);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <Dialog title="Properties" onClose={() => onClose(false)}>
      <p>
        Properties of <b>/{path}</b>
      </p>
      {rows && (
        <table className="properties">
          <thead>
            <tr>
              <th scope="col">Property</th>
              <th scope="col">Value</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={r.uri}>
                <th scope="row" id={`${idBase}-${i}`} className="uri">
                  {r.uri}
                </th>
                <td>
                  {r.readOnly ? (
                    <span title="computed by the service">{r.value}</span>
                  ) : (
                    <input aria-labelledby={`${idBase}-${i}`} value={r.value} onChange={(e) => edit(r.uri, e.target.value)} />
                  )}
                </td>
                <td>
                  {!r.readOnly && (
                    <button type="button" onClick={() => remove(r)}>
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rows && (
        <form onSubmit={add} className="inline-form">
          <fieldset>
            <legend>Add property</legend>
            <label>
              Property URI
              <input name="uri" placeholder="ivo://ivoa.net/vospace/core#description" />
            </label>
            <label>
              Value
              <input name="value" />
            </label>
            <button type="submit">Add</button>
          </fieldset>
        </form>
      )}
      <Alert error={error} />
      <div className="buttons">
        <button type="button" onClick={() => onClose(false)}>
          Cancel
        </button>
        <button type="button" disabled={!rows || busy} onClick={() => void save()}>
          Save
        </button>
      </div>
    </Dialog>
  );
}
