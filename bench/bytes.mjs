// Uploads and downloads of BENCH_BYTES side by side with nginx (bench/run.mjs, part main): the
// nginx reference server, and BENCH_BYTES_REPS rounds per database, each an nginx PUT and GET and
// the service's upload and download, with the client hashing (sha256) and without. nginx and the
// service take turns going first from one round to the next, and `sync` runs before each
// transfer, so that none starts while the last one's bytes are still being written out (nginx's
// PUT leaves its file to the page cache; the service's upload is on disk when it answers).
//
// Each transfer's CPU is measured: the client's own (bench/client-cpu.mjs), the server's (its
// processes in /proc) and the whole machine's (/proc/stat). Before each service upload, the disk's
// write-back rate: how fast it puts BENCH_BYTES already in the page cache on disk (one fdatasync).
// A goal is judged on the median of the rounds' ratios; a missed one is set beside these limits
// (bytesSummary).
//
// The client of every byte transfer the bench makes (here, and in storage.mjs) runs with glibc's
// heap trimming off (BYTES_CLIENT_ENV). vosbench reads each response
// into new 64 KiB buffers; when glibc gives freed ones back to the kernel, the next reads fault
// their pages in again, and on this virtual machine a fault costs 15–18 µs. Measured on
// 2026-12-06 against nginx and the service in turn (1 GiB GETs, --no-verify), without the
// setting the client took 11 700 to 224 000 faults per transfer, 0.67 to 3.9 s of CPU, and ran
// 280 to 1 500 MB/s, whichever server it read from; with it, 9 400 to 13 400 faults and 0.75 to
// 1.25 s, 890 to 1 360 MB/s from each. Without it the client's faults, not the servers, set the
// pace. The servers run as they are.
import { closeSync, existsSync, fdatasyncSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { fmt, freePort, log, median, parseSize, r2, readRssKiB, rssSampler, sh, startChild, stopChild, vosbench } from './lib.mjs';
import { TICK, cpuSeconds } from './cpu.mjs';

export const BYTES_REPS = Number(process.env.BENCH_BYTES_REPS ?? 3);
export const BYTES_KNOBS = ['BENCH_BYTES_REPS'];
const MB = 1e6;
/** glibc settings for the client of a byte transfer only (see above): keep freed heap, and serve allocations up to 4 MiB from it. */
export const BYTES_CLIENT_ENV = { MALLOC_TRIM_THRESHOLD_: String(2 ** 32), MALLOC_TOP_PAD_: String(2 ** 28), MALLOC_MMAP_THRESHOLD_: String(2 ** 22) };
const env = BYTES_CLIENT_ENV;

// ---------------------------------------------------------------- nginx
function ensureNginx() {
  if (sh('bash', ['-c', 'command -v nginx || test -x /usr/sbin/nginx']).code === 0) return;
  log('installing nginx-light');
  const inst = (pkg) => spawnSync('bash', ['-c', `DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg}`], { stdio: 'inherit' }).status === 0;
  if (inst('nginx-light') || inst('nginx')) return;
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  if (inst('nginx-light') || inst('nginx')) return;
  throw new Error('could not install nginx');
}
const NGINX = () => (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');

/** nginx on a free loopback port, serving GET and dav PUT under /put/; stop() ends it and removes its files. */
export async function startNginx(tmp, logFile) {
  ensureNginx();
  const dir = join(tmp, 'nginx');
  for (const d of ['', 'www', 'www/put', 'body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'logs']) mkdirSync(join(dir, d), { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  // as root, nginx's workers would otherwise run as nobody/www-data and could not write into the 0700 temp dir
  writeFileSync(conf, `daemon off;
${process.getuid?.() === 0 ? 'user root;' : ''}
master_process on;
worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${dir}/www;
    location /put/ {
      dav_methods PUT;
      create_full_put_path on;
      client_max_body_size 0;
      client_body_temp_path ${dir}/body;
    }
  }
}
`);
  const version = (sh(NGINX(), ['-v']).err.match(/nginx\/(\S+)/) ?? [])[1] ?? 'unknown';
  const proc = await startChild('nginx', NGINX(), ['-c', conf, '-p', dir, '-e', `${dir}/logs/error.log`], { logFile, ready: null });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((r) => { const q = http.get(`http://127.0.0.1:${port}/`, (s) => { s.resume(); r(true); }); q.on('error', () => r(false)); });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    version, pid: proc.pid, url: (name) => `http://127.0.0.1:${port}/put/${name}`,
    /** CPU seconds of the master and its workers so far. */
    cpu: () => [proc.pid, ...children(proc.pid)].map((p) => cpuSeconds(p)).filter(Boolean).reduce((a, s) => ({ user: a.user + s.user, sys: a.sys + s.sys }), { user: 0, sys: 0 }),
    rssMiB: () => Math.round((readRssKiB(proc.pid) ?? 0) / 102.4) / 10,
    remove: (name) => rmSync(join(dir, 'www', 'put', name), { force: true }),
    stop: async () => { await stopChild(proc); rmSync(join(dir, 'www'), { recursive: true, force: true }); },
  };
}
const children = (pid) => { try { return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean); } catch { return []; } };

/**
 * The reference the standalone storage servers are set beside (storage.mjs): one PUT of
 * BENCH_BYTES, then a GET of it, with the client hashing and without.
 */
export async function nginxReference(ng, bytes, logFile) {
  const lines = [];
  const put = await vosbench(['--scenarios', 'rawput', '--url', ng.url('blob.bin'), '--bytes', bytes], { logFile, tag: 'nginx-rawput', env });
  lines.push(...put);
  const sha = put.find((l) => l.scenario === 'rawput')?.sha256;
  if (!sha) throw new Error(`nginx rawput failed: ${JSON.stringify(put.map((l) => l.sample_errors))}`);
  lines.push(...(await vosbench(['--scenarios', 'rawget', '--url', ng.url('blob.bin'), '--expect-sha256', sha], { logFile, tag: 'nginx-rawget', env })));
  lines.push(...(await vosbench(['--scenarios', 'rawget', '--url', ng.url('blob.bin'), '--no-verify'], { logFile, tag: 'nginx-rawget-noverify', env })));
  // the reference of the --no-verify uploads: the client does not hash either
  lines.push(...(await vosbench(['--scenarios', 'rawput', '--url', ng.url('blob2.bin'), '--bytes', bytes, '--no-verify'], { logFile, tag: 'nginx-rawput-noverify', env })));
  return lines;
}

// ---------------------------------------------------------------- measuring
const sync = () => sh('sync', []);
const secs = (s) => (s ? s.user + s.sys : null);
/** Seconds the machine's cores have spent busy so far (all but idle and iowait: every process, kernel threads, interrupts, steal). */
function machineBusy() {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / TICK;
}

/** Seconds each thread of a process has run and waited for a core (runnable, not running) so far, by thread id. */
export function threadTimes(pid) {
  const out = new Map();
  if (!pid) return out;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      out.set(tid, { run: run / 1e9, wait: wait / 1e9 });
    } catch { /* ended meanwhile */ }
  }
  return out;
}
/** Of the server's threads between two readings, the one that ran longest: the shares of the time it ran and waited for a core. */
function busiest(a, b, seconds) {
  let top = null;
  for (const [tid, t] of b) {
    const t0 = a.get(tid) ?? { run: 0, wait: 0 };
    const run = t.run - t0.run;
    if (!top || run > top.run) top = { run, wait: t.wait - t0.wait };
  }
  return top && seconds > 0 ? { busiest_run: r2(top.run / seconds), busiest_wait: r2(top.wait / seconds) } : {};
}

/**
 * One vosbench run whose first scenario is `gen` (the client making BENCH_BYTES, hashing them
 * unless --no-verify: the client's own speed, and the mark its later scenarios' CPU counts from),
 * then the transfers. Returns one line per transfer with its MB/s and the client's and server's
 * CPU per MB, and the gen line.
 */
async function measured(args, { serverCpu, serverPid, logFile, tag, side }) {
  const marks = [];
  const mark = (scenario) => ({ scenario, at: performance.now() / 1000, server: secs(serverCpu()), machine: machineBusy(), threads: threadTimes(serverPid) });
  const lines = await vosbench(['--scenarios', ...args], { logFile, tag, cpuMarks: true, env, onLine: (l) => marks.push(mark(l.scenario)) });
  const out = [];
  let prev = null;
  for (const l of lines) {
    const m = marks.find((x) => x.scenario === l.scenario) ?? {};
    const { server, machine } = m;
    const op = l.scenario === 'rawput' || l.scenario === 'upload' ? 'upload' : 'download';
    if (prev && l.ok && l.stream_MBps) {
      const mb = l.bytes / MB;
      out.push({
        kind: 'xfer', side, op, MBps: l.stream_MBps,
        client_ms_per_MB: r2((l.client_cpu_ms - prev.client) / mb), server_ms_per_MB: server == null || prev.server == null ? null : r2((1000 * (server - prev.server)) / mb),
        client_faults_per_MB: r2((l.client_minflt - prev.faults) / mb),
        machine_ms_per_MB: machine == null || prev.machine == null ? null : r2((1000 * (machine - prev.machine)) / mb),
        ...(serverPid && m.threads && prev.threads ? busiest(prev.threads, m.threads, m.at - prev.at) : {}),
        sha256: l.sha256 ?? null, verified: l.verified ?? null,
      });
    } else if (prev && !l.ok) out.push({ kind: 'xfer', side, op, failed: true, errors: l.sample_errors ?? null });
    if (l.scenario === 'gen') out.push({ kind: 'client-gen', MBps: l.stream_MBps, sha256: l.sha256_included });
    prev = { client: l.client_cpu_ms, faults: l.client_minflt, server, machine, threads: m.threads, at: m.at };
  }
  return out;
}

/** The disk's write-back rate: BYTES written into the page cache, then one timed fdatasync; the file is removed. */
export function diskFlush(dir, bytes) {
  const file = join(dir, `flush-${process.pid}.bin`);
  const chunk = randomBytes(2 ** 20);
  const fd = openSync(file, 'w');
  try {
    for (let left = bytes; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(left, chunk.length));
    const t = performance.now();
    fdatasyncSync(fd);
    return { kind: 'disk-flush', bytes, MBps: r2(bytes / MB / ((performance.now() - t) / 1000)) };
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
}

/**
 * BYTES_REPS rounds of nginx's PUT and GET and the service's upload and download, with and
 * without the client's sha256 (see the head of this file). `base` is vosbench's target arguments
 * for the service, svcPid its process (storage server in-process). Returns the lines, each with
 * rep and no_verify, and the service's RSS growth: the peak over the rounds, per mode.
 */
export async function pairedBytes({ ng, svcPid, base, bytes, scratch, logFile, tag }) {
  const lines = [];
  const rss = {};
  const size = String(parseSize(bytes));
  for (let rep = 1; rep <= BYTES_REPS; rep++) {
    for (const nv of [false, true]) {
      const flag = nv ? ['--no-verify'] : [];
      const at = { rep, no_verify: nv };
      const nginx = async () => {
        const name = `paired-${rep}-${nv ? 'nv' : 'v'}.bin`;
        sync();
        const put = await measured(['gen,rawput', '--url', ng.url(name), '--bytes', size, ...flag], { serverCpu: ng.cpu, logFile, tag: `${tag}-nginx-put-r${rep}`, side: 'nginx' });
        const sha = put.find((l) => l.op === 'upload')?.sha256;
        sync();
        const get = await measured(['gen,rawget', '--url', ng.url(name), '--bytes', size, ...flag, ...(sha ? ['--expect-sha256', sha] : [])], { serverCpu: ng.cpu, logFile, tag: `${tag}-nginx-get-r${rep}`, side: 'nginx' });
        ng.remove(name);
        lines.push(...[...put, ...get].map((l) => ({ ...l, ...at })));
      };
      const service = async () => {
        sync();
        lines.push({ ...diskFlush(scratch, parseSize(bytes)), ...at });
        sync();
        const stop = rssSampler(svcPid);
        const got = await measured(['gen,upload,download', ...base, '--bytes', size, ...flag], { serverCpu: () => cpuSeconds(svcPid), serverPid: svcPid, logFile, tag: `${tag}-bytes-r${rep}${nv ? '-noverify' : ''}`, side: 'service' });
        const r = stop();
        if (!rss[nv] || r.growthMiB > rss[nv].growthMiB) rss[nv] = r;
        lines.push(...got.map((l) => ({ ...l, ...at })));
      };
      // who goes first alternates from round to round
      for (const run of rep % 2 ? [nginx, service] : [service, nginx]) await run();
      log(`bytes round ${rep}${nv ? ' --no-verify' : ''}: ${lines.filter((l) => l.rep === rep && l.no_verify === nv && l.kind === 'xfer').map((l) => `${l.side} ${l.op} ${l.MBps}`).join(', ')}`);
    }
  }
  return { lines, rss };
}

// ---------------------------------------------------------------- judging
/**
 * Medians over the rounds for one mode (no_verify true/false) of one database's lines: the
 * service's and nginx's MB/s, the ratio (each round's own, then their median), CPU per MB, and
 * the limits: the cores ÷ the whole machine's busy CPU per MB, the cores ÷ (client + server CPU per
 * MB), one core ÷ the client's (it hashes and moves the bytes on one thread), the client's own gen
 * speed and, for uploads, the disk's write-back.
 */
export function bytesSummary(lines, nv) {
  const mine = lines.filter((l) => l.no_verify === nv);
  if (!mine.some((l) => l.kind === 'xfer')) return null;
  const reps = [...new Set(mine.filter((l) => l.kind === 'xfer').map((l) => l.rep))];
  const pick = (side, op, rep) => mine.find((l) => l.kind === 'xfer' && l.side === side && l.op === op && l.rep === rep && !l.failed);
  const med = (xs) => { const v = xs.filter((x) => x != null); return v.length ? median(v) : null; };
  const cores = availableParallelism();
  const gen = med(mine.filter((l) => l.kind === 'client-gen').map((l) => l.MBps));
  const disk = med(mine.filter((l) => l.kind === 'disk-flush').map((l) => l.MBps));
  const out = { reps: reps.length, gen, disk };
  for (const op of ['upload', 'download']) {
    const side = (s) => {
      const xs = reps.map((r) => pick(s, op, r));
      const client = med(xs.map((x) => x?.client_ms_per_MB));
      const server = med(xs.map((x) => x?.server_ms_per_MB));
      const machine = med(xs.map((x) => x?.machine_ms_per_MB));
      const faults = med(xs.map((x) => x?.client_faults_per_MB));
      const thread = { run: med(xs.map((x) => x?.busiest_run)), wait: med(xs.map((x) => x?.busiest_wait)) };
      return { MBps: med(xs.map((x) => x?.MBps)), all: xs.map((x) => x?.MBps ?? null), client, server, machine, faults, thread };
    };
    const svc = side('service');
    const ng = side('nginx');
    const ratios = reps.map((r) => { const a = pick('service', op, r); const b = pick('nginx', op, r); return a && b ? a.MBps / b.MBps : null; });
    const limits = [];
    if (svc.machine) limits.push({ what: `${cores} cores ÷ the ${fmt(svc.machine, 2)} ms of CPU the whole machine spent per MB (client, service, kernel threads, anything else running)`, MBps: (cores * 1000) / svc.machine });
    if (svc.client != null && svc.server != null) limits.push({ what: `${cores} cores ÷ (client ${fmt(svc.client, 2)} + service ${fmt(svc.server, 2)} ms of CPU per MB)`, MBps: (cores * 1000) / (svc.client + svc.server) });
    if (svc.client) limits.push({ what: `one core ÷ the client's ${fmt(svc.client, 2)} ms per MB`, MBps: 1000 / svc.client });
    if (op === 'upload' && gen != null) limits.push({ what: `the client's own making${nv ? '' : ' and hashing'} of the bytes (vosbench gen)`, MBps: gen });
    if (op === 'upload' && disk != null) limits.push({ what: 'the disk\'s write-back (the service syncs what it stores; nginx does not)', MBps: disk });
    // In an upload the service's busiest thread is the one that hashes every byte (perf of an upload:
    // README, Performance). Busy, running or ready and waiting for a core, nearly all the transfer,
    // it sets the pace: the transfer goes no faster than its MB/s over the share of time it was busy.
    const busy = svc.thread.run != null && svc.thread.wait != null ? svc.thread.run + svc.thread.wait : null;
    if (op === 'upload' && busy && svc.MBps != null) {
      limits.push({ thread: true, what: `the MB/s ÷ the share of the transfer the service's busiest thread, which hashes every byte, was busy: it ran ${fmt(100 * svc.thread.run, 0)}% and waited for a core ${fmt(100 * svc.thread.wait, 0)}%, busy ${fmt(100 * busy, 0)}%`, MBps: svc.MBps / busy });
    }
    limits.sort((a, b) => a.MBps - b.MBps);
    out[op] = { service: svc, nginx: ng, ratio: med(ratios), ratios, limit: limits[0] ?? null };
  }
  return out;
}
