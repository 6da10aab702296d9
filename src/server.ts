/**
 * Starts and stops the metadata service: database (migrated on open), HTTP or
 * HTTPS listener, and the admin socket for the CLI.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { listenAdminSocket } from './admin/socket';
import { createApp } from './app';
import type { Policy } from './auth/policy';
import type { Config } from './config';
import { openDatabase, type Database } from './db/connection';
import type { Services } from './services/context';
import { createServices } from './services/create';

export interface RunningService {
  /** Base URL of the REST binding, e.g. http://127.0.0.1:8080/vospace */
  url: string;
  port: number;
  svc: Services;
  db: Database;
  close(): Promise<void>;
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

export async function startService(config: Config, opts: { policy?: Policy } = {}): Promise<RunningService> {
  const { space } = config;
  const db = await openDatabase({ dsn: space.dsn, dataDir: space.dataDir });
  const svc = createServices(config, db, opts.policy);
  const { app, stop } = await createApp(svc);
  const server = space.useSsl
    ? https.createServer({ cert: fs.readFileSync(space.certFile), key: fs.readFileSync(space.keyFile) }, app)
    : http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(space.port, space.host, resolve));
  const admin = await listenAdminSocket(svc, space.adminSocket);
  const port = (server.address() as AddressInfo).port;
  const host = space.host.includes(':') ? `[${space.host}]` : space.host;
  return {
    url: `${space.useSsl ? 'https' : 'http'}://${host}:${port}/vospace`,
    port,
    svc,
    db,
    async close() {
      await Promise.all([closeServer(server), closeServer(admin)]);
      fs.rmSync(space.adminSocket, { force: true });
      await stop();
      await db.close();
    },
  };
}
