/** The registered storage servers: whether they are live, how long since each was heard from, space free and stored. */
import { useEffect, useState } from 'react';
import { request } from '../api/client';
import { graphql } from '../gql';
import { Alert } from '../ui/Alert';
import { formatTime } from '../ui/format';
import { Bytes } from './Bytes';
import { useLoad } from './useLoad';

const StorageQuery = graphql(`
  query AdminStorage {
    storageServers {
      name
      url
      live
      lastHeartbeat
      freeBytes
      totalBytes
      bytesStored
    }
  }
`);

/** "12 s ago", "3 min ago", "5 h ago", "2 d ago" (a clock a little ahead of the browser's reads as now). */
function age(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.floor(s / 60)} min ago`;
  if (s < 172_800) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** The time now, moving on every second, so ages count up without asking the service again. */
function useNow(): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

export function StorageView() {
  const { data, error, reload } = useLoad(() => request(StorageQuery), []);
  const now = useNow();
  return (
    <section aria-labelledby="admin-storage">
      <h1 id="admin-storage">Storage servers</h1>
      <div className="toolbar">
        <button type="button" onClick={() => void reload()}>
          Refresh
        </button>
      </div>
      <Alert error={error} />
      {data && data.storageServers.length === 0 && <p>No storage server has registered.</p>}
      {data && data.storageServers.length > 0 && (
        <table aria-label="Storage servers">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">URL</th>
              <th scope="col">Live</th>
              <th scope="col">Heartbeat</th>
              <th scope="col">Free</th>
              <th scope="col">Total</th>
              <th scope="col">Stored</th>
            </tr>
          </thead>
          <tbody>
            {data.storageServers.map((s) => (
              <tr key={s.name}>
                <th scope="row">{s.name}</th>
                <td>{s.url}</td>
                <td>{s.live ? 'live' : 'not heard from'}</td>
                <td title={formatTime(s.lastHeartbeat)}>{age(s.lastHeartbeat, now)}</td>
                <td>
                  <Bytes n={s.freeBytes} />
                </td>
                <td>
                  <Bytes n={s.totalBytes} />
                </td>
                <td>
                  <Bytes n={s.bytesStored} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
