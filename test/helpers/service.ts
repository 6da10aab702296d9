/**
 * A real service for black-box tests: listening on 127.0.0.1 on a free port,
 * on its own database (see db.ts), with users made through the service layer.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { OPERATOR } from '../../src/auth/identity';
import type { Policy } from '../../src/auth/policy';
import { parseConfig, type Config } from '../../src/config';
import { startService, type RunningService } from '../../src/server';
import { createToken } from '../../src/services/tokens';
import { addUser } from '../../src/services/users';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { S3Backend } from '../../src/storage/s3Backend';
import { createTestDb, TEST_ROOT, type TestDb } from './db';
import { iniText } from './ini';
import { newBucket, sharedRgw } from './rgw';

export interface TestService {
  running: RunningService;
  config: Config;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** http://127.0.0.1:PORT/vospace */
  base: string;
  /** This service's own storage directories (posix; under s3 they stay empty). */
  dirs: { root: string; staging: string };
  /** The refs of the backend's staged objects: uploads under way, or left by a crash (any backend). */
  staged(): Promise<string[]>;
  /** The locations of the stored objects (committed uploads and copies), sorted (posix or s3). */
  objects(): Promise<string[]>;
  /** The bytes of a stored object. */
  bytes(location: string): Promise<Buffer>;
  /** Puts an object of another program, not named as an upload, in the staging area (posix: a file in staging_dir; s3: a key under staging/). */
  putStranger(name: string): Promise<void>;
  /** Every name in the staging area, ours or not (see putStranger). */
  stagingArea(): Promise<string[]>;
  authority: string;
  /** vos:// URI of a path ('alice/x' → vos://example.org!vospace/alice/x). */
  uri(path: string): string;
  /** Creates a user (and its home) and returns a token for it. */
  user(name: string, opts?: { admin?: boolean; groups?: string[] }): Promise<string>;
  close(): Promise<void>;
}

export interface TestServiceOptions {
  parameters?: Record<string, unknown>;
  storageParameters?: Record<string, unknown>;
  /** More [Storage] keys (use_ssl, cert_file, key_file, …). */
  storage?: Record<string, string>;
  /** More [Space] keys (policy_module, …). */
  space?: Record<string, string>;
  policy?: Policy;
}

/** VOSPACE_TEST_STORAGE=s3 (npm run test:s3): services keep bytes in a new bucket of the run's gateway. */
export const useS3 = process.env.VOSPACE_TEST_STORAGE === 's3';

async function s3Storage(): Promise<Record<string, unknown>> {
  const g = sharedRgw();
  if (!g) throw new Error('VOSPACE_TEST_STORAGE=s3 needs the run\'s gateway: run it as npm run test:s3 (jest.s3.config.js)');
  return { endpoint: g.endpoint, bucket: await newBucket(g), region: 'us-east-1', access_key_id: g.accessKeyId, secret_access_key: g.secretAccessKey, force_path_style: true };
}

export async function startTestService(opts: TestServiceOptions = {}): Promise<TestService> {
  const db: TestDb = await createTestDb();
  const own = path.join(TEST_ROOT, `svc-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const ini = iniText(
    {
      host: '127.0.0.1',
      port: 0,
      uri: 'example.org',
      dsn: db.dsn,
      data_dir: db.dataDir || path.join(TEST_ROOT, 'unused'),
      admin_socket: path.join(TEST_ROOT, `admin-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.sock`),
      parameters: opts.parameters ?? {},
      ...opts.space,
    },
    {
      host: '127.0.0.1',
      port: 0,
      parameters: { root_dir: path.join(own, 'storage'), staging_dir: path.join(own, 'staging'), ...(useS3 ? await s3Storage() : {}), ...opts.storageParameters },
      ...(useS3 && !opts.storage?.name ? { name: 's3' } : {}),
      ...opts.storage,
    },
  );
  const config = parseConfig(ini);
  let running: RunningService;
  try {
    running = await startService(config, { policy: opts.policy });
  } catch (e) {
    await db.drop();
    throw e;
  }
  const origin = `http://127.0.0.1:${running.port}`;
  return {
    running,
    config,
    origin,
    base: `${origin}/vospace`,
    dirs: { root: path.join(own, 'storage'), staging: path.join(own, 'staging') },
    authority: 'example.org',
    uri: (p) => running.svc.uris.format(p.replace(/^\//, '')),
    staged: async () => (await running.svc.backend.listStaged()).map((s) => s.ref).sort(),
    objects: () => storedObjects(running.svc.backend, path.join(own, 'storage')),
    async bytes(location) {
      const parts: Buffer[] = [];
      for await (const c of await running.svc.backend.read(location)) parts.push(c as Buffer);
      return Buffer.concat(parts);
    },
    putStranger: (name) => strangerIn(running.svc.backend, path.join(own, 'staging'), name),
    stagingArea: () => stagingNames(running.svc.backend, path.join(own, 'staging')),
    async user(name, o = {}) {
      await addUser(running.svc, OPERATOR, { name, admin: o.admin, groups: o.groups });
      return (await createToken(running.svc, OPERATOR, name)).token;
    },
    async close() {
      await running.close();
      await db.drop();
      fs.rmSync(own, { recursive: true, force: true });
    },
  };
}

type Backend = RunningService['svc']['backend'];

/** Posix: the files under root_dir. S3: the keys under objects/ that are not an upload's still staged (its marker is there). */
async function storedObjects(backend: Backend, rootDir: string): Promise<string[]> {
  if (!(backend instanceof S3Backend)) {
    if (!fs.existsSync(rootDir)) return [];
    const files = fs.readdirSync(rootDir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
    return files.map((d) => path.relative(rootDir, path.join(d.parentPath, d.name))).sort();
  }
  const staged = new Set((await backend.listStaged()).map((s) => `objects/${s.ref}`));
  return (await keysUnder(backend, 'objects/')).filter((k) => !staged.has(k)).sort();
}

async function strangerIn(backend: Backend, stagingDir: string, name: string): Promise<void> {
  if (backend instanceof S3Backend) await backend.client.send(new PutObjectCommand({ Bucket: backend.bucket, Key: `staging/${name}`, Body: 'not ours' }));
  else fs.writeFileSync(path.join(stagingDir, name), 'not ours');
}

async function stagingNames(backend: Backend, stagingDir: string): Promise<string[]> {
  if (backend instanceof S3Backend) return (await keysUnder(backend, 'staging/')).map((k) => k.slice('staging/'.length)).sort();
  return fs.existsSync(stagingDir) ? fs.readdirSync(stagingDir).sort() : [];
}

/** The keys of a test bucket (no [Storage] prefix) under `prefix`. */
async function keysUnder(backend: S3Backend, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await backend.client.send(new ListObjectsV2Command({ Bucket: backend.bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}
