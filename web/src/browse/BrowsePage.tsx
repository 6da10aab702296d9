/**
 * The browse view at /browse/<path>: one query per view (the node, its
 * ancestors, its quota, one page of children with their grants), the
 * toolbar and its dialogs, uploads by picker or drop, downloads by a click.
 * Sort order lives in the URL (?sort=size&desc=1), so reload, back and
 * forward keep it; the cursors of the pages seen are a stack in the view.
 */
import { useEffect, useRef, useState, type DragEvent } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { request } from '../api/client';
import { graphql } from '../gql';
import { Alert } from '../ui/Alert';
import { formatBytes } from '../ui/format';
import { ChildTable, type Child, type Order } from './ChildTable';
import { DeleteDialog } from './DeleteDialog';
import { LinkDialog } from './dialogs/LinkDialog';
import { PropertiesDialog } from './dialogs/PropertiesDialog';
import { ShareDialog } from './dialogs/ShareDialog';
import { download } from './download';
import { MoveCopyDialog } from './MoveCopyDialog';
import { NewFolderDialog } from './NewFolderDialog';
import { browseHref, plainPath, type NodeRef } from './paths';
import { RenameDialog } from './RenameDialog';
import { Toolbar, type Action } from './Toolbar';
import { UploadList } from './UploadList';
import { UploadQueue } from './uploads';

export const PAGE_SIZE = 100;

const BrowseQuery = graphql(`
  query Browse($path: String!, $first: Int!, $after: String, $orderBy: ChildOrder!, $descending: Boolean!) {
    node(path: $path) {
      id
      path
      uri
      name
      type
      size
      canWrite
      ancestors {
        id
        path
        name
      }
      quota {
        path
        limit
        used
      }
      children(first: $first, after: $after, orderBy: $orderBy, descending: $descending) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            name
            path
            uri
            type
            size
            mtime
            owner
            target
            grants {
              public
              groupRead
              groupWrite
            }
          }
        }
      }
    }
  }
`);

type Listing = Awaited<ReturnType<typeof loadListing>>;
const loadListing = (vars: { path: string; first: number; after: string | null; orderBy: Order; descending: boolean }) => request(BrowseQuery, vars);

const ORDERS: Record<string, Order> = { name: 'NAME', size: 'SIZE', mtime: 'MTIME' };

export function BrowsePage({ path }: { path: string }) {
  const search = useSearch();
  // Uploads outlive the folder they were started in; each that ends reloads the listing.
  const [reloads, setReloads] = useState(0);
  const [queue] = useState(() => new UploadQueue(() => setReloads((n) => n + 1)));
  return (
    <main className="browse">
      <BrowseView key={`${path}?${search}`} path={path} search={search} reloads={reloads} queue={queue} />
      <UploadList queue={queue} />
    </main>
  );
}

function BrowseView({ path, search, reloads, queue }: { path: string; search: string; reloads: number; queue: UploadQueue }) {
  const [, navigate] = useLocation();
  const params = new URLSearchParams(search);
  const order = ORDERS[params.get('sort') ?? ''] ?? 'NAME';
  const descending = params.get('desc') === '1';
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [ownReloads, setOwnReloads] = useState(0);
  const [data, setData] = useState<Listing | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [dialog, setDialog] = useState<Action | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [dropping, setDropping] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const after = cursors[cursors.length - 1];

  useEffect(() => {
    let live = true;
    setLoading(true);
    loadListing({ path, first: PAGE_SIZE, after, orderBy: order, descending }).then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(d.node ? null : new Error(`NodeNotFound: /${path} does not exist, or you may not read it`));
        const names = new Set(d.node?.children.edges.map((e) => e.node.name));
        setSelected((s) => new Set([...s].filter((n) => names.has(n))));
        setLoading(false);
      },
      (e) => {
        if (!live) return;
        setError(e);
        setData(null);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [path, after, order, descending, reloads, ownReloads]);

  const node = data?.node;
  if (!node) return error ? <Alert error={error} /> : <p aria-busy="true">Loading…</p>;

  const rows: Child[] = node.children.edges.map((e) => e.node);
  const isFolder = node.type === 'ContainerNode';
  const canUpload = isFolder && node.canWrite;
  const chosen: NodeRef[] = rows.filter((r) => selected.has(r.name)).map((r) => ({ ...r, path: plainPath(r.path) }));
  const reload = () => setOwnReloads((n) => n + 1);
  const closed = (changed: boolean) => {
    setDialog(null);
    if (changed) reload();
  };
  const sortBy = (o: Order) => {
    const desc = o === order && !descending;
    const q = o === 'NAME' && !desc ? '' : `?sort=${o.toLowerCase()}${desc ? '&desc=1' : ''}`;
    navigate(`${browseHref(path)}${q}`);
  };
  const fetchFile = (r: { uri: string; name: string }) => {
    setActionError(null);
    download(r.uri, r.name).catch(setActionError);
  };
  const onAction = (a: Action) => {
    setActionError(null);
    if (a === 'upload') fileInput.current?.click();
    else setDialog(a);
  };
  const dragOver = (e: DragEvent) => {
    if (!canUpload || !e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    setDropping(true);
  };
  const drop = (e: DragEvent) => {
    e.preventDefault();
    setDropping(false);
    if (canUpload && e.dataTransfer.files.length) queue.add(e.dataTransfer.files, node);
  };
  const dialogPath = chosen[0]?.path ?? path;

  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <ol>
          {node.ancestors.map((a) => (
            <li key={a.id}>
              <Link href={browseHref(plainPath(a.path))}>{a.name}</Link>
            </li>
          ))}
          <li>
            <Link href={browseHref(path)} aria-current="page">
              {node.name || '/'}
            </Link>
          </li>
        </ol>
      </nav>
      <h1>{node.name || '/'}</h1>
      {node.quota && (
        <p className="quota">
          <label>
            Quota <meter min={0} max={node.quota.limit} value={node.quota.used} high={node.quota.limit * 0.9} />
          </label>{' '}
          {formatBytes(node.quota.used)} of {formatBytes(node.quota.limit)} used
        </p>
      )}
      {isFolder ? (
        <>
          <Toolbar selected={chosen.length} canWrite={node.canWrite} onAction={onAction} />
          <input
            ref={fileInput}
            type="file"
            multiple
            hidden
            onChange={(e) => {
              if (e.target.files?.length) queue.add(e.target.files, node);
              e.target.value = '';
            }}
          />
          <Alert error={actionError ?? (data && error)} />
          <div className={dropping ? 'drop dropping' : 'drop'} onDragOver={dragOver} onDragLeave={() => setDropping(false)} onDrop={drop}>
            <ChildTable
              rows={rows}
              order={order}
              descending={descending}
              onSort={sortBy}
              selected={selected}
              onSelect={(name, on) =>
                setSelected((s) => {
                  const next = new Set(s);
                  if (on) next.add(name);
                  else next.delete(name);
                  return next;
                })
              }
              onDownload={fetchFile}
              busy={loading}
            />
            {canUpload && <p className="hint">Drop files here to upload them.</p>}
          </div>
          <div className="pages">
            <span>
              {node.children.totalCount} items{cursors.length > 1 ? ` · page ${cursors.length}` : ''}
            </span>
            <button type="button" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Previous page
            </button>
            <button
              type="button"
              disabled={!node.children.pageInfo.hasNextPage}
              onClick={() => setCursors((c) => [...c, node.children.pageInfo.endCursor ?? null])}
            >
              Next page
            </button>
          </div>
        </>
      ) : (
        <p>
          {formatBytes(node.size)} ·{' '}
          <button type="button" onClick={() => fetchFile(node)}>
            Download
          </button>
          <Alert error={actionError} />
        </p>
      )}
      {dialog === 'new' && <NewFolderDialog parent={path} onClose={closed} />}
      {dialog === 'rename' && chosen.length === 1 && <RenameDialog node={chosen[0]} onClose={closed} />}
      {(dialog === 'move' || dialog === 'copy') && <MoveCopyDialog verb={dialog === 'move' ? 'Move' : 'Copy'} nodes={chosen} from={path} onClose={closed} />}
      {dialog === 'delete' && <DeleteDialog nodes={chosen} onClose={closed} />}
      {dialog === 'properties' && <PropertiesDialog path={dialogPath} onClose={closed} />}
      {dialog === 'share' && <ShareDialog path={dialogPath} onClose={closed} />}
      {dialog === 'link' && <LinkDialog path={path} onClose={closed} />}
    </>
  );
}
