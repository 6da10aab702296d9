import { formatBytes } from '../ui/format';

/** A byte count in 1024-based units (negative: over a quota), the exact bytes in its title. */
export function Bytes({ n }: { n: number | null | undefined }) {
  if (n == null) return <>—</>;
  return <span title={`${n} bytes`}>{n < 0 ? `−${formatBytes(-n)}` : formatBytes(n)}</span>;
}
