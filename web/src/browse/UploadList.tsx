/** The uploads of this page: a progress bar named after each file, its speed, `Cancel`, and why one failed. */
import { useSyncExternalStore } from 'react';
import { formatBytes } from '../ui/format';
import type { Upload, UploadQueue } from './uploads';

const STATE_WORDS: Record<Upload['state'], string> = { waiting: 'Waiting', sending: '', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' };

export function UploadList({ queue }: { queue: UploadQueue }) {
  const uploads = useSyncExternalStore(queue.subscribe, queue.snapshot);
  if (!uploads.length) return null;
  return (
    <section className="uploads" aria-label="Uploads">
      <h2>Uploads</h2>
      <ul>
        {uploads.map((u) => {
          const pct = u.size ? Math.floor((100 * u.loaded) / u.size) : u.state === 'done' ? 100 : 0;
          const active = u.state === 'waiting' || u.state === 'sending';
          return (
            <li key={u.key} className={`upload ${u.state}`}>
              <span className="upload-name">{u.name}</span>
              <div className="bar" role="progressbar" aria-label={u.name} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
                <span style={{ width: `${pct}%` }} />
              </div>
              <span className="upload-state">
                {u.state === 'sending' || (u.state === 'done' && u.rate) ? `${STATE_WORDS[u.state] || `${pct}%`} · ${formatBytes(Math.round(u.rate))}/s` : STATE_WORDS[u.state]}
              </span>
              {active && (
                <button type="button" onClick={() => queue.cancel(u.key)}>
                  Cancel
                </button>
              )}
              {u.error && (
                <p role="alert" className="alert">
                  {u.name}: {u.error}
                </p>
              )}
            </li>
          );
        })}
      </ul>
      {uploads.some((u) => u.state !== 'waiting' && u.state !== 'sending') && (
        <button type="button" onClick={() => queue.clearEnded()}>
          Clear finished
        </button>
      )}
    </section>
  );
}
