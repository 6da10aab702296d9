/**
 * A real Ceph RADOS Gateway for the S3 tests, started with the workplace's
 * script (../shared/ceph/rgw.sh from the project root, else /work/shared/ceph/rgw.sh, or $RGW_SH): one
 * monitor, one in-memory OSD, the gateway on a free loopback port. A
 * gateway that cannot start fails the tests; nothing is skipped.
 *
 * globalSetup (test/helpers/rgwSetup.ts) starts one per run and hands it to
 * the test workers in VOSPACE_TEST_S3_*; a suite run without it starts its own.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
/** Where the workplace keeps rgw.sh: beside the checkout (../shared), or at /work/shared for a clone made elsewhere (CI's). */
const RGW_CANDIDATES = [path.resolve(ROOT, '..', 'shared', 'ceph', 'rgw.sh'), '/work/shared/ceph/rgw.sh'];
export const RGW_SH = process.env.RGW_SH ?? RGW_CANDIDATES.find((f) => fs.existsSync(f)) ?? RGW_CANDIDATES[0];
const ACCESS_KEY = 'vospace-test';
const SECRET_KEY = 'vospace-test-secret';

export interface Rgw {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  dir: string;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((ok) => srv.close(ok));
  return port;
}

export function s3Client(g: Rgw): S3Client {
  return new S3Client({
    endpoint: g.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey },
  });
}

export async function startRgw(): Promise<Rgw> {
  if (!fs.existsSync(RGW_SH)) throw new Error(`no rgw.sh at ${RGW_SH} (set RGW_SH)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vospace-rgw-'));
  const [port, monPort] = [await freePort(), await freePort()];
  const conf = ['-c', path.join(dir, 'ceph.conf')];
  // Ceph 16 (Debian's): the OSD's own crush updates at boot are refused by the monitor
  // ("wrong fsid") and it exits. They are turned off, and the OSD put in the crush map
  // from here once it is up, while the script goes on to start the gateway.
  const env = { ...process.env, CEPH_ARGS: '--osd_class_update_on_start=false --osd_crush_update_on_start=false', RGW_ACCESS_KEY: ACCESS_KEY, RGW_SECRET_KEY: SECRET_KEY };
  const script = spawn('bash', [RGW_SH, 'start', dir, String(port), String(monPort)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  script.stdout.on('data', (d: Buffer) => (output += d.toString()));
  script.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((ok) => script.on('exit', ok));
  let placed = false;
  let ended = false;
  void exited.then(() => (ended = true));
  const deadline = Date.now() + 120_000;
  while (!placed && !ended && Date.now() < deadline) {
    await new Promise((ok) => setTimeout(ok, 500));
    const stat = await run('ceph', [...conf, 'osd', 'stat'], { timeout: 10_000 }).catch(() => undefined);
    if (stat && /1 up/.test(stat.stdout)) {
      await run('ceph', [...conf, 'osd', 'crush', 'add', 'osd.0', '1', 'root=default', 'host=localhost'], { timeout: 30_000 });
      placed = true;
    }
  }
  await exited;
  const g: Rgw = { endpoint: `http://127.0.0.1:${port}`, accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY, dir };
  // The script's user creation can report the user it has just made as existing: what counts is that the keys work.
  const client = s3Client(g);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      await client.send(new ListBucketsCommand({}));
      client.destroy();
      return g;
    } catch (e) {
      last = e;
      await new Promise((ok) => setTimeout(ok, 1000));
    }
  }
  client.destroy();
  await stopRgw(g).catch(() => undefined);
  throw new Error(`the Ceph gateway did not start (${(last as Error)?.message}); rgw.sh said:\n${output}\nlogs in ${dir}/log`);
}

export async function stopRgw(g: Rgw): Promise<void> {
  await run('bash', [RGW_SH, 'stop', g.dir]);
  fs.rmSync(g.dir, { recursive: true, force: true });
}

/** The run's gateway (from globalSetup), if there is one. */
export function sharedRgw(): Rgw | undefined {
  const e = process.env;
  if (!e.VOSPACE_TEST_S3_ENDPOINT) return undefined;
  return { endpoint: e.VOSPACE_TEST_S3_ENDPOINT, accessKeyId: e.VOSPACE_TEST_S3_KEY!, secretAccessKey: e.VOSPACE_TEST_S3_SECRET!, dir: e.VOSPACE_TEST_S3_DIR! };
}

export function shareRgw(g: Rgw): void {
  Object.assign(process.env, { VOSPACE_TEST_S3_ENDPOINT: g.endpoint, VOSPACE_TEST_S3_KEY: g.accessKeyId, VOSPACE_TEST_S3_SECRET: g.secretAccessKey, VOSPACE_TEST_S3_DIR: g.dir });
}

/** A new bucket for one suite or service: suites share the gateway, not their objects. */
export async function newBucket(g: Rgw): Promise<string> {
  const bucket = `t-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const client = s3Client(g);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return bucket;
}
