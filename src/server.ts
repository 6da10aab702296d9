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
import { closeServer } from './httpClose';
import { graphqlWebSocket } from './graphql/server';
import { loadPolicy } from './auth/loadPolicy';
import type { Policy } from './auth/policy';
import type { Config } from './config';
import { openDatabase, type Database } from './db/connection';
import { StorageServer, type RunningStorage } from '../storage-server/server';
import { logger } from './log';
import { Metrics } from './http/metrics';
import type { Services } from './services/context';
import { sweepJobs } from './services/jobs';
import { createServices } from './services/create';

export interface RunningService {
  /** Base URL of the REST binding, e.g. http://127.0.0.1:8080/vospace */
  url: string;
  port: number;
  /** The storage server started beside it, if any. */
  storage?: RunningStorage;
  svc: Services;
  db: Database;
  /**
   * Stops accepting connections, lets requests in flight finish for up to
   * `graceMs` (default: shutdown_grace_seconds), cuts the rest (a cut upload
   * is rolled back), then closes the database.
   */
  close(graceMs?: number): Promise<void>;
}

const SWEEP_MS = 30_000;

export interface StartOptions {
  policy?: Policy;
  /** Start the storage server in this process too (default true; the embedded database needs it here). */
  storage?: boolean;
}

export async function startService(config: Config, opts: StartOptions = {}): Promise<RunningService> {
  const { space } = config;
  const policy = opts.policy ?? (await loadPolicy(space.policyModule));
  const db = await openDatabase({ dsn: space.dsn, dataDir: space.dataDir, prepared: space.preparedStatements });
  // What has been started so far, stopped again (last first) if a later step fails.
  const started: (() => Promise<unknown>)[] = [() => db.close()];
  try {
    const svc = await createServices(config, db, policy);
    started.push(async () => svc.backend.close?.());
    await svc.events.start();
    started.push(() => svc.events.stop());
    // One registry for the service and the storage server beside it: /metrics of the service shows both.
    const metrics = new Metrics(db.knex, { jobs: true });
    const { app, stop } = await createApp(svc, metrics);
    started.push(stop);
    // Recovery first (the storage server's, then a sweep of the jobs left behind), so that
    // nothing is answered, not even an operator's command, while a crash's leftovers still look alive.
    const storage = opts.storage === false ? undefined : await new StorageServer(svc, { metrics }).listen();
    if (storage) started.push(() => storage.close(0));
    const sweep = () => sweepJobs(svc).catch((err) => logger.warn({ err }, 'job sweep failed'));
    await sweep();
    const sweeper = setInterval(sweep, SWEEP_MS);
    sweeper.unref();
    started.push(async () => clearInterval(sweeper));
    const admin = await listenAdminSocket(svc, space.adminSocket);
    started.push(() => closeServer(admin, 0));
    const server = space.useSsl
      ? https.createServer({ cert: fs.readFileSync(space.certFile), key: fs.readFileSync(space.keyFile) }, app)
      : http.createServer(app);
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(space.port, space.host, resolve));
    // GraphQL subscriptions: graphql-ws on /graphql of the same server.
    const subscriptions = graphqlWebSocket(svc, server);
    const port = (server.address() as AddressInfo).port;
    storage?.servePortalOn(port);
    const host = space.host.includes(':') ? `[${space.host}]` : space.host;
    return {
      url: `${space.useSsl ? 'https' : 'http'}://${host}:${port}/vospace`,
      port,
      storage,
      svc,
      db,
      async close(graceMs = space.shutdownGraceSeconds * 1000) {
        clearInterval(sweeper);
        // Open WebSockets would keep the HTTP server from closing: end them first.
        await subscriptions.close();
        await Promise.all([closeServer(server, graceMs), closeServer(admin, graceMs), storage?.close(graceMs)]);
        fs.rmSync(space.adminSocket, { force: true });
        await stop();
        await svc.events.stop();
        svc.signIns.stop();
        await svc.backend.close?.();
        await db.close();
      },
    };
  } catch (e) {
    for (const undo of started.reverse()) await undo().catch(() => {});
    throw e;
  }
}
