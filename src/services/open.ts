/** Opens the database a configuration names and the services over it, for a process of its own (a standalone storage server). */
import type { Config } from '../config';
import { openDatabase } from '../db/connection';
import type { Services } from './context';
import { createServices } from './create';

export interface OpenServices {
  svc: Services;
  /** Stops the job event listener, closes the storage backend and the database. */
  close(): Promise<void>;
}

/** The services over the database of `config`, with job events listening. */
export async function openServices(config: Config, opts: { poolMax: number }): Promise<OpenServices> {
  const db = await openDatabase({ dsn: config.space.dsn, dataDir: config.space.dataDir, poolMax: opts.poolMax, prepared: config.space.preparedStatements });
  let svc: Services;
  try {
    svc = await createServices(config, db);
    await svc.events.start();
  } catch (e) {
    await db.close();
    throw e;
  }
  return {
    svc,
    close: async () => {
      await svc.events.stop();
      await svc.backend.close?.();
      await db.close();
    },
  };
}
