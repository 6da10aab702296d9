/** The storage servers of a space: each registers its URL and keeps a heartbeat. */
import type { Db } from './nodeStore';

export interface StorageServerRow {
  id: number;
  name: string;
  url: string;
  heartbeatAt: Date;
}

export async function registerServer(db: Db, name: string, url: string): Promise<number> {
  const [row] = await db('storage_servers')
    .insert({ name, url, heartbeat_at: db.fn.now() })
    .onConflict('url')
    .merge({ name, heartbeat_at: db.fn.now() })
    .returning('id');
  return Number(row.id);
}

/** Free and total bytes where a server keeps its objects. */
export interface SpaceReport {
  freeBytes: number;
  totalBytes: number;
}

/** A sign of life, with the space left when the server could measure it. */
export async function heartbeat(db: Db, id: number, space?: SpaceReport): Promise<void> {
  const update: Record<string, unknown> = { heartbeat_at: db.fn.now() };
  if (space) Object.assign(update, { free_bytes: space.freeBytes, total_bytes: space.totalBytes });
  await db('storage_servers').where('id', id).update(update);
}

/** Servers heard from within `maxAgeSeconds`. */
export async function liveServers(db: Db, maxAgeSeconds: number): Promise<StorageServerRow[]> {
  const rows: { id: number; name: string; url: string; heartbeat_at: Date }[] = await db('storage_servers')
    .select('id', 'name', 'url', 'heartbeat_at')
    .whereRaw(`heartbeat_at > now() - make_interval(secs => ?)`, [maxAgeSeconds])
    .orderBy('id');
  return rows.map((r) => ({ id: Number(r.id), name: r.name, url: r.url, heartbeatAt: new Date(r.heartbeat_at) }));
}

export async function endpointSecret(db: Db): Promise<string> {
  const row: { value: string } | undefined = await db('settings').select('value').where('key', 'endpoint_secret').first();
  if (!row) throw new Error('endpoint_secret missing from settings: migrations incomplete');
  return row.value;
}

/** The live storage servers and the endpoint secret, as negotiation needs them on every transfer: read once, or every few seconds. */
export class StorageDirectory {
  private cached?: { at: number; servers: StorageServerRow[] };
  private key?: string;

  constructor(private readonly db: Db, private readonly maxAgeSeconds: number, private readonly cacheMs = 2000) {}

  async live(): Promise<StorageServerRow[]> {
    const now = Date.now();
    // An empty list is never kept: a server that has just registered must be found at once.
    if (!this.cached?.servers.length || now - this.cached.at > this.cacheMs) {
      this.cached = { at: now, servers: await liveServers(this.db, this.maxAgeSeconds) };
    }
    return this.cached.servers;
  }

  /** Never changes once the database exists. */
  async secret(): Promise<string> {
    this.key ??= await endpointSecret(this.db);
    return this.key;
  }
}
