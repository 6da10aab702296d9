/**
 * A real Ceph RADOS Gateway, started with the workplace's rgw.sh
 * (../shared/ceph/rgw.sh from the project root, else /work/shared/ceph/rgw.sh,
 * or $RGW_SH): one monitor, one in-memory OSD, the gateway on a free loopback
 * port. The one starter of the S3 tests (test/helpers/rgw.ts) and of the
 * bench's s3 part (bench/rgw.mjs): plain CommonJS, so that both Jest and the
 * bench's plain Node.js can load it. Types: rgwGateway.d.cts.
 */
'use strict';
const { execFile, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');
const { ListBucketsCommand, S3Client } = require('@aws-sdk/client-s3');

const run = promisify(execFile);
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
/** Where the workplace keeps rgw.sh: beside the checkout (../shared), or at /work/shared for a clone made elsewhere (CI's). */
const CANDIDATES = [path.resolve(__dirname, '..', '..', '..', 'shared', 'ceph', 'rgw.sh'), '/work/shared/ceph/rgw.sh'];
const RGW_SH = process.env.RGW_SH ?? CANDIDATES.find((f) => fs.existsSync(f)) ?? CANDIDATES[0];
const START_MS = 120_000;

async function freePort() {
  const srv = net.createServer();
  await new Promise((ok) => srv.listen(0, '127.0.0.1', ok));
  const { port } = srv.address();
  await new Promise((ok) => srv.close(ok));
  return port;
}

function s3Client(g) {
  return new S3Client({
    endpoint: g.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey },
  });
}

/**
 * Starts a gateway whose user has these keys; resolves once the keys work. `memBytes` caps the
 * in-memory OSD (rgw.sh's default without it); `started(g)` is called as soon as the daemons are
 * being started, so that a caller can stop them even if it is interrupted before this resolves.
 */
async function startGateway({ accessKeyId, secretAccessKey, memBytes, prefix = 'vospace-rgw-', started }) {
  if (!fs.existsSync(RGW_SH)) throw new Error(`no rgw.sh at ${RGW_SH} (set RGW_SH)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const [port, monPort] = [await freePort(), await freePort()];
  const g = { endpoint: `http://127.0.0.1:${port}`, accessKeyId, secretAccessKey, dir };
  const conf = ['-c', path.join(dir, 'ceph.conf')];
  // Ceph 16 (Debian's): the OSD's own crush updates at boot are refused by the monitor
  // ("wrong fsid") and it exits. They are turned off, and the OSD is put in the crush map
  // from here once it is up, while the script goes on to start the gateway.
  const env = {
    ...process.env,
    CEPH_ARGS: '--osd_class_update_on_start=false --osd_crush_update_on_start=false',
    RGW_ACCESS_KEY: accessKeyId,
    RGW_SECRET_KEY: secretAccessKey,
    ...(memBytes ? { RGW_MEM_BYTES: String(memBytes) } : {}),
  };
  const script = spawn('bash', [RGW_SH, 'start', dir, String(port), String(monPort)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  started?.(g);
  let output = '';
  script.stdout.on('data', (d) => (output += d.toString()));
  script.stderr.on('data', (d) => (output += d.toString()));
  let ended = false;
  const exited = new Promise((ok) => script.on('exit', () => ok((ended = true))));
  const deadline = Date.now() + START_MS;
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
  const client = s3Client(g);
  let last;
  try {
    while (Date.now() < deadline) {
      try {
        await client.send(new ListBucketsCommand({}));
        return g;
      } catch (e) {
        last = e;
        await sleep(1000);
      }
    }
  } finally {
    client.destroy();
  }
  await stopGateway(g).catch(() => undefined);
  throw new Error(`the Ceph gateway did not start (${last?.message}); rgw.sh said:\n${output.trim().slice(-2000)}\nlogs in ${dir}/log`);
}

/** Stops exactly the daemons rgw.sh started (their pids are in DIR/pids) and removes DIR; again is harmless. */
async function stopGateway(g) {
  await run('bash', [RGW_SH, 'stop', g.dir]);
  fs.rmSync(g.dir, { recursive: true, force: true });
}

module.exports = { RGW_SH, s3Client, startGateway, stopGateway };
