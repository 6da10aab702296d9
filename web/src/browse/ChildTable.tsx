/** One page of a container's children: select, open or download, and sort by name, size or date (server-side). */
import { Link } from 'wouter';
import { formatBytes, formatTime } from '../ui/format';
import { browseHref, pathOfVosUri, plainPath } from './paths';
import { sharingWords, typeWords } from './sharing';

export type Order = 'NAME' | 'SIZE' | 'MTIME';

export interface Child {
  id: string;
  name: string;
  path: string;
  uri: string;
  type: string;
  size: number;
  mtime: string;
  owner?: string | null;
  target?: string | null;
  grants: { public: boolean; groupRead: string[]; groupWrite: string[] };
}

interface Props {
  rows: Child[];
  order: Order;
  descending: boolean;
  onSort(order: Order): void;
  selected: Set<string>;
  onSelect(name: string, on: boolean): void;
  onDownload(row: Child): void;
  busy: boolean;
}

export function ChildTable({ rows, order, descending, onSort, selected, onSelect, onDownload, busy }: Props) {
  const header = (label: string, o: Order, className?: string) => (
    <th scope="col" className={className} aria-sort={order === o ? (descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort" onClick={() => onSort(o)}>
        {label}
        <span aria-hidden="true">{order === o ? (descending ? ' ▼' : ' ▲') : ''}</span>
      </button>
    </th>
  );
  return (
    <table className="listing" aria-busy={busy}>
      <thead>
        <tr>
          <th scope="col">
            <span className="sr-only">Selected</span>
          </th>
          {header('Name', 'NAME')}
          <th scope="col">Type</th>
          {header('Size', 'SIZE', 'num')}
          {header('Modified', 'MTIME')}
          <th scope="col">Owner</th>
          <th scope="col">Sharing</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} aria-selected={selected.has(r.name)}>
            <td>
              <input type="checkbox" aria-label={`Select ${r.name}`} checked={selected.has(r.name)} onChange={(e) => onSelect(r.name, e.target.checked)} />
            </td>
            <td>
              <NameLink row={r} onDownload={onDownload} />
            </td>
            <td>{typeWords(r.type)}</td>
            <td className="num" title={r.type.endsWith('DataNode') ? `${r.size} bytes` : undefined}>
              {r.type.endsWith('DataNode') ? formatBytes(r.size) : ''}
            </td>
            <td>
              <time dateTime={r.mtime}>{formatTime(r.mtime)}</time>
            </td>
            <td>{r.owner ?? ''}</td>
            <td>{sharingWords(r.grants)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A folder opens, a file downloads, a link goes to its target (shown beside it). */
function NameLink({ row, onDownload }: { row: Child; onDownload(row: Child): void }) {
  if (row.type === 'ContainerNode') return <Link href={browseHref(plainPath(row.path))}>{row.name}</Link>;
  if (row.type === 'LinkNode') {
    const target = row.target ?? '';
    const inside = pathOfVosUri(target);
    const link =
      inside !== null ? (
        <Link href={browseHref(inside)}>{row.name}</Link>
      ) : /^https?:/i.test(target) ? (
        <a href={target} rel="noreferrer noopener" target="_blank">
          {row.name}
        </a>
      ) : (
        <span>{row.name}</span>
      );
    return (
      <>
        {link} <span className="target">→ {target}</span>
      </>
    );
  }
  return (
    <a
      href={browseHref(plainPath(row.path))}
      onClick={(e) => {
        e.preventDefault();
        onDownload(row);
      }}
    >
      {row.name}
    </a>
  );
}
