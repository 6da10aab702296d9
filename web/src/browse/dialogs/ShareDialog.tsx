/**
 * Who may read and write a node: core#groupread and core#groupwrite (group
 * names or ivo:// group URIs, space-separated), core#publicread. Reading
 * needs every folder above readable too, so the dialog says which chosen
 * group (or the public) cannot open one, and can open the user's own
 * folders above for them (read only). `Apply to contents` sets the same
 * grants on everything below through the recursive setprops job.
 */
import { useEffect, useState } from 'react';
import { request } from '../../api/client';
import { useUser } from '../../api/session';
import { graphql } from '../../gql';
import type { ShareNodeQuery } from '../../gql/graphql';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import { finishJob } from '../jobs';
import type { NodeDialogProps } from './types';

const CORE = 'ivo://ivoa.net/vospace/core#';
const GROUPREAD = `${CORE}groupread`;
const GROUPWRITE = `${CORE}groupwrite`;
const PUBLICREAD = `${CORE}publicread`;

const ShareNodeQueryDoc = graphql(`
  query ShareNode($path: String!) {
    node(path: $path) {
      path
      type
      grants {
        groupRead
        groupWrite
        public
      }
      ancestors {
        path
        owner
        grants {
          groupRead
          groupWrite
          public
        }
      }
    }
  }
`);

const ShareSetMutation = graphql(`
  mutation ShareSet($path: String!, $properties: [PropertyInput!]!) {
    setProperties(path: $path, properties: $properties) {
      path
    }
  }
`);

const ShareRecursiveMutation = graphql(`
  mutation ShareRecursive($path: String!, $properties: [PropertyInput!]!) {
    setPropertiesRecursive(path: $path, properties: $properties) {
      id
    }
  }
`);

type Grants = NonNullable<ShareNodeQuery['node']>['grants'];
type Ancestor = NonNullable<ShareNodeQuery['node']>['ancestors'][number];
type Change = { uri: string; value: string | null };

/** The group an entry names: itself, or the part of a group URI (ivo://example.org/gms?g1) after the last '?', '#' or '/', as src/auth/policy.ts reads it. */
const groupOf = (entry: string) => entry.replace(/^.*[?#/]/, '');
const words = (s: string) => s.split(/\s+/).filter(Boolean);

/** A group list as checkboxes (the user's own groups) and the other entries, as typed. */
interface ListState {
  checked: string[];
  other: string;
}

function toListState(entries: string[], mine: string[]): ListState {
  const isMine = (e: string) => mine.includes(e) || mine.includes(groupOf(e));
  return { checked: mine.filter((g) => entries.some((e) => e === g || groupOf(e) === g)), other: entries.filter((e) => !isMine(e)).join(' ') };
}

/** The list's entries: a checked group keeps the form it was stored in (a name or a URI). */
function toEntries(s: ListState, stored: string[]): string[] {
  const chosen = s.checked.map((g) => stored.find((e) => e === g || groupOf(e) === g) ?? g);
  return [...new Set([...chosen, ...words(s.other)])];
}

const listValue = (entries: string[]) => (entries.length ? entries.join(' ') : null);

/** Whether a reader (a group name, or null for the public) may open a folder with these grants. */
function opens(g: Grants, reader: string | null): boolean {
  return g.public || (reader !== null && [...g.groupRead, ...g.groupWrite].some((e) => e === reader || groupOf(e) === reader));
}

const readerName = (r: string | null) => (r === null ? 'The public' : `Group ${r}`);

export function ShareDialog({ path, onClose }: NodeDialogProps) {
  const user = useUser();
  const [node, setNode] = useState<ShareNodeQuery['node']>(null);
  const [read, setRead] = useState<ListState>({ checked: [], other: '' });
  const [write, setWrite] = useState<ListState>({ checked: [], other: '' });
  const [publicRead, setPublicRead] = useState(false);
  const [applyBelow, setApplyBelow] = useState(false);
  const [openAbove, setOpenAbove] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  useEffect(() => {
    request(ShareNodeQueryDoc, { path: `/${path}` }).then((d) => {
      if (!d.node) return setError(`/${path} is not there, or you may not read it.`);
      setNode(d.node);
      setRead(toListState(d.node.grants.groupRead, user.groups));
      setWrite(toListState(d.node.grants.groupWrite, user.groups));
      setPublicRead(d.node.grants.public);
    }, setError);
  }, [path, user.groups]);

  if (!node) {
    return (
      <Dialog title="Share" onClose={() => onClose(false)}>
        {error ? <Alert error={error} /> : <p aria-busy="true">Loading…</p>}
        <div className="buttons">
          <button type="button" onClick={() => onClose(false)}>
            Cancel
          </button>
        </div>
      </Dialog>
    );
  }

  const readEntries = toEntries(read, node.grants.groupRead);
  const writeEntries = toEntries(write, node.grants.groupWrite);
  // Writers read too; the public reads when publicread is on.
  const readers: (string | null)[] = [...new Set([...readEntries, ...writeEntries].map(groupOf))];
  if (publicRead) readers.push(null);
  const blocked = readers
    .map((r) => ({ reader: r, folders: node.ancestors.filter((a) => !opens(a.grants, r)) }))
    .filter((b) => b.folders.length > 0);
  const blockedFolders = node.ancestors.filter((a) => blocked.some((b) => b.folders.includes(a)));
  const notMine = blockedFolders.filter((a) => a.owner !== user.name);

  /** What opening a folder above for the blocked readers changes on it (read only). */
  function openingChanges(a: Ancestor): Change[] {
    const readersHere = blocked.filter((b) => b.folders.includes(a)).map((b) => b.reader);
    const changes: Change[] = [];
    const groups = readersHere.filter((r): r is string => r !== null);
    if (groups.length) changes.push({ uri: GROUPREAD, value: listValue([...new Set([...a.grants.groupRead, ...groups])]) });
    if (readersHere.includes(null)) changes.push({ uri: PUBLICREAD, value: 'true' });
    return changes;
  }

  async function save() {
    const wanted: Change[] = [
      { uri: GROUPREAD, value: listValue(readEntries) },
      { uri: GROUPWRITE, value: listValue(writeEntries) },
      { uri: PUBLICREAD, value: publicRead ? 'true' : null },
    ];
    const before = [listValue(node!.grants.groupRead), listValue(node!.grants.groupWrite), node!.grants.public ? 'true' : null];
    const changed = wanted.filter((c, i) => c.value !== before[i]);
    setBusy(true);
    setError(null);
    try {
      if (openAbove) {
        for (const a of blockedFolders.filter((f) => f.owner === user.name)) {
          await request(ShareSetMutation, { path: a.path, properties: openingChanges(a) });
        }
      }
      if (applyBelow) {
        setStatus('Applying to the contents…');
        const job = (await request(ShareRecursiveMutation, { path: `/${path}`, properties: wanted })).setPropertiesRecursive;
        const end = await finishJob(job.id);
        setStatus(`Applied to ${end.successCount ?? 0} nodes; ${end.errorCount ?? 0} could not be changed.`);
        setDone(true);
        setBusy(false);
        return;
      }
      if (changed.length) await request(ShareSetMutation, { path: `/${path}`, properties: changed });
      onClose(true);
    } catch (err) {
      setStatus(null);
      setError(err);
      setBusy(false);
    }
  }

  return (
    <Dialog title="Share" onClose={() => onClose(done)}>
      <p>
        Who may open <b>/{path}</b> besides you.
      </p>
      <GroupList legend="Group read" mine={user.groups} state={read} onChange={setRead} />
      <GroupList legend="Group write" mine={user.groups} state={write} onChange={setWrite} />
      <label className="check">
        <input type="checkbox" checked={publicRead} onChange={(e) => setPublicRead(e.target.checked)} />
        Public read
      </label>
      {node.type === 'ContainerNode' && (
        <label className="check">
          <input type="checkbox" checked={applyBelow} onChange={(e) => setApplyBelow(e.target.checked)} />
          Apply to contents
        </label>
      )}
      {blocked.length > 0 && (
        <div className="warning" role="status">
          <ul>
            {blocked.map((b) => (
              <li key={b.reader ?? ''}>
                {readerName(b.reader)} cannot open {b.folders.map((f) => f.path).join(', ')}
              </li>
            ))}
          </ul>
          <label className="check">
            <input type="checkbox" checked={openAbove} onChange={(e) => setOpenAbove(e.target.checked)} />
            Also open the folders above
          </label>
          {notMine.length > 0 && (
            <p>
              Not yours, left as they are (ask their owners): {notMine.map((a) => `${a.path}${a.owner ? ` (${a.owner})` : ''}`).join(', ')}
            </p>
          )}
        </div>
      )}
      {status && <p role="status">{status}</p>}
      <Alert error={error} />
      <div className="buttons">
        {done ? (
          <button type="button" onClick={() => onClose(true)}>
            Close
          </button>
        ) : (
          <>
            <button type="button" onClick={() => onClose(false)}>
              Cancel
            </button>
            <button type="button" disabled={busy} onClick={() => void save()}>
              Save
            </button>
          </>
        )}
      </div>
    </Dialog>
  );
}

function GroupList({ legend, mine, state, onChange }: { legend: string; mine: string[]; state: ListState; onChange(s: ListState): void }) {
  const toggle = (g: string, on: boolean) => onChange({ ...state, checked: on ? [...state.checked, g] : state.checked.filter((c) => c !== g) });
  return (
    <fieldset>
      <legend>{legend}</legend>
      {mine.map((g) => (
        <label key={g} className="check">
          <input type="checkbox" checked={state.checked.includes(g)} onChange={(e) => toggle(g, e.target.checked)} />
          {g}
        </label>
      ))}
      <label>
        Other group
        <input value={state.other} onChange={(e) => onChange({ ...state, other: e.target.value })} placeholder="name or ivo:// URI, space-separated" />
      </label>
    </fieldset>
  );
}
