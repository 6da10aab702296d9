// A real Ceph RADOS Gateway for the s3 part of bench/run.mjs, started with the workplace's
// rgw.sh as test/helpers/rgw.ts starts it (that file is TypeScript under test/, not built into
// dist/, so its Ceph 16.2 workaround is repeated here): one monitor, one in-memory OSD
// (memstore, capped at RGW_MEM_BYTES), the gateway on a free loopback port, and a bucket.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { REPO, cleanups, freePort } from './lib.mjs';

const run = promisify(execFile);
const CANDIDATES = [resolve(REPO, '..', 'shared', 'ceph', 'rgw.sh'), '/work/shared/ceph/rgw.sh'];
export const RGW_SH = process.env.RGW_SH ?? CANDIDATES.find((f) => existsSync(f)) ?? CANDIDATES[0];
const ACCESS_KEY = 'vospace-bench';
const SECRET_KEY = 'vospace-bench-secret';
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

const client = (g) => new S3Client({ endpoint: g.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey } });

/**
 * Starts the gateway; resolves with { endpoint, accessKeyId, secretAccessKey, dir, bucket, memBytes }.
 * Its daemons are stopped at the bench's exit (cleanups) even if it is interrupted while starting.
 */
export async function startRgw({ memBytes }) {
  if (!existsSync(RGW_SH)) throw new Error(`no rgw.sh at ${RGW_SH} (set RGW_SH)`);
  const dir = mkdtempSync(join(tmpdir(), 'vospace-bench-rgw-'));
  const [port, monPort] = [await freePort(), await freePort()];
  const conf = ['-c', join(dir, 'ceph.conf')];
  // Ceph 16 (Debian's): the OSD's own crush updates at boot are refused by the monitor
  // ("wrong fsid") and it exits; they are turned off, and the OSD is put in the crush map from
  // here once it is up, while the script goes on to start the gateway.
  const env = { ...process.env, CEPH_ARGS: '--osd_class_update_on_start=false --osd_crush_update_on_start=false', RGW_ACCESS_KEY: ACCESS_KEY, RGW_SECRET_KEY: SECRET_KEY, RGW_MEM_BYTES: String(memBytes) };
  const script = spawn('bash', [RGW_SH, 'start', dir, String(port), String(monPort)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  script.stdout.on('data', (d) => { output += d; });
  script.stderr.on('data', (d) => { output += d; });
  let ended = false;
  const exited = new Promise((ok) => script.on('exit', () => { ended = true; ok(); }));
  const g = { endpoint: `http://127.0.0.1:${port}`, accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY, dir, bucket: `bench-${Date.now().toString(36)}`, memBytes };
  cleanups.push(() => stopRgw(g));
  const deadline = Date.now() + 120_000;
  let placed = false;
  while (!placed && !ended && Date.now() < deadline) {
    await sleep(500);
    const stat = await run('ceph', [...conf, 'osd', 'stat'], { timeout: 10_000 }).catch(() => undefined);
    if (stat && /1 up/.test(stat.stdout)) {
      await run('ceph', [...conf, 'osd', 'crush', 'add', 'osd.0', '1', 'root=default', 'host=localhost'], { timeout: 30_000 });
      placed = true;
    }
  }
  await exited;
  // The script's user creation can report the user it has just made as existing: what counts is that the keys work.
  const s3 = client(g);
  let last;
  try {
    while (Date.now() < deadline) {
      try {
        await s3.send(new ListBucketsCommand({}));
        await s3.send(new CreateBucketCommand({ Bucket: g.bucket }));
        return g;
      } catch (e) {
        last = e;
        await sleep(1000);
      }
    }
  } finally {
    s3.destroy();
  }
  await stopRgw(g).catch(() => undefined);
  throw new Error(`the Ceph gateway did not start (${last?.message}); rgw.sh said: ${output.trim().slice(-500)}`);
}

/** Stops exactly the daemons rgw.sh started (their pids are in DIR/pids) and removes DIR; again is harmless. */
export async function stopRgw(g) {
  await run('bash', [RGW_SH, 'stop', g.dir]);
  rmSync(g.dir, { recursive: true, force: true });
}

/** [Storage] parameters of the s3 backend for this gateway. */
export const s3Parameters = (g) => ({ endpoint: g.endpoint, bucket: g.bucket, region: 'us-east-1', access_key_id: g.accessKeyId, secret_access_key: g.secretAccessKey, force_path_style: true, prefix: '', endpoint_ttl: 3600 });
