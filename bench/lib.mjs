// Helpers shared by bench/run.mjs and the parts it calls (scale.mjs, gqlsql.mjs, storage.mjs):
// child processes (every one started is ended at exit), RSS sampling, vosbench, psql, HTTP.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, appendFileSync, openSync, closeSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import http from 'node:http';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, '..');
export const VOSBENCH = resolve(REPO, '../shared/vosbench/vosbench.mjs');
export const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const AUTHORITY = 'example.org!vospace';
// ---------------------------------------------------------------- process bookkeeping
const children = new Set();
export const cleanups = [];
let cleaning = false;
export async function cleanupAll() {
  if (cleaning) return;
  cleaning = true;
  for (const c of [...children]) killChild(c);
  for (const fn of cleanups.reverse()) {
    try { await fn(); } catch (e) { log(`cleanup: ${e.message}`); }
  }
}
export function killChild(c) {
  if (c.exitCode === null && c.signalCode === null) {
    try { c.kill('SIGTERM'); } catch { /* gone */ }
  }
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    log(`${sig}: stopping`);
    await cleanupAll();
    process.exit(130);
  });
}

export function log(msg) { process.stderr.write(`bench: ${msg}\n`); }

export function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  return { code: r.status, out: (r.stdout ?? '').trim(), err: (r.stderr ?? '').trim(), error: r.error };
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
  });
}

/** Starts a long-running child, resolves when `ready` appears in its stdout/stderr. */
export function startChild(name, cmd, args, { ready, logFile, timeoutMs = 60000, cwd = REPO } = {}) {
  return new Promise((res, rej) => {
    const fd = openSync(logFile, 'a');
    const c = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(c);
    let buf = '';
    let done = false;
    const timer = setTimeout(() => { if (!done) { done = true; killChild(c); rej(new Error(`${name}: not ready after ${timeoutMs} ms; see ${logFile}`)); } }, timeoutMs);
    const onData = (d) => {
      appendFileSync(fd, d);
      if (done) return;
      buf += d.toString();
      if (!ready || buf.includes(ready)) { done = true; clearTimeout(timer); res(c); }
      if (buf.length > 100000) buf = buf.slice(-10000);
    };
    c.stdout.on('data', onData);
    c.stderr.on('data', onData);
    c.on('exit', (code, sig) => {
      children.delete(c);
      try { closeSync(fd); } catch { /* closed */ }
      if (!done) { done = true; clearTimeout(timer); rej(new Error(`${name} exited (${code ?? sig}) before it was ready; see ${logFile}`)); }
    });
    if (!ready) { done = true; clearTimeout(timer); res(c); }
  });
}

/**
 * bench/null-vospace.mjs on a free port, a server that answers as the service does and does no
 * work: on node:http, or with stack 'express' through Express and the service's middleware.
 */
export async function startNullVospace(stack, logFile) {
  const port = await freePort();
  const args = [join(HERE, 'null-vospace.mjs'), String(port), ...(stack === 'express' ? ['--express'] : [])];
  const svc = await startChild(`null VOSpace (${stack})`, process.execPath, args, { ready: 'listening on', logFile, timeoutMs: 30000 });
  return { svc, port };
}

export async function stopChild(c, timeoutMs = 15000) {
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  killChild(c);
  const t = setTimeout(() => { try { c.kill('SIGKILL'); } catch { /* gone */ } }, timeoutMs);
  await exited;
  clearTimeout(t);
}

// ---------------------------------------------------------------- RSS sampling
export function readRssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch { return null; }
}
export function rssSampler(pid) {
  const before = readRssKiB(pid);
  let peak = before ?? 0;
  let samples = 0;
  const t = setInterval(() => { const v = readRssKiB(pid); if (v != null) { samples++; if (v > peak) peak = v; } }, 100);
  const mib = (k) => (k == null ? null : Math.round((k / 1024) * 10) / 10);
  const stop = () => {
    clearInterval(t);
    const end = readRssKiB(pid);
    if (end != null && end > peak) peak = end;
    return { beforeMiB: mib(before), peakMiB: mib(peak), endMiB: mib(end), growthMiB: mib(peak - (before ?? 0)), samples };
  };
  /** The peak so far (MiB), while sampling goes on. */
  stop.peakMiB = () => mib(Math.max(peak, readRssKiB(pid) ?? 0));
  return stop;
}

// ---------------------------------------------------------------- vosbench
/** Preloaded into vosbench with cpuMarks: each line then carries the client's CPU so far (client_cpu_ms). */
const CLIENT_CPU = pathToFileURL(join(HERE, 'client-cpu.mjs')).href;
/**
 * Runs vosbench; returns its JSON lines (parsed). Throws if it fails. vosbench prints a scenario's
 * line when the scenario ends: onLine(line) is called then, so a caller can read counters at each
 * scenario's end.
 */
export function vosbench(args, { logFile, tag, onLine, cpuMarks = false, env }) {
  return new Promise((res, rej) => {
    const full = [...(cpuMarks ? ['--import', CLIENT_CPU] : []), VOSBENCH, ...args, '--tag', tag];
    appendFileSync(logFile, `\n$ node ${full.join(' ')}\n`);
    const c = spawn(process.execPath, full, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    children.add(c);
    let out = '';
    let pending = '';
    c.stdout.on('data', (d) => {
      out += d;
      pending += d;
      const done = pending.split('\n');
      pending = done.pop();
      for (const l of done) if (onLine && l.trim().startsWith('{')) onLine(JSON.parse(l));
    });
    c.stderr.on('data', (d) => appendFileSync(logFile, d));
    c.on('exit', (code) => {
      children.delete(c);
      const lines = out.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l));
      if (code !== 0 && lines.length === 0) rej(new Error(`vosbench ${tag} exited ${code}; see ${logFile}`));
      else res(lines);
    });
  });
}

// ---------------------------------------------------------------- PostgreSQL
export function ensurePostgres() {
  // The same steps as .ci/run's ensure_postgres.
  const script = `
set -euo pipefail
pg_up() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; }
pg_up && exit 0
echo "bench: PostgreSQL is not answering on 127.0.0.1:5432; starting one" >&2
if ! ls -d /etc/postgresql/*/main >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
hba="/etc/postgresql/$version/main/pg_hba.conf"
grep -Eq '^host +all +all +127\\.0\\.0\\.1/32 +trust' "$hba" || sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster "$version" main restart
for _ in $(seq 1 30); do pg_up && exit 0; sleep 1; done
exit 1`;
  const r = spawnSync('bash', ['-c', script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error('no PostgreSQL on 127.0.0.1:5432 and could not start one (as .ci/run does)');
}
export function psql(sql, db = 'postgres') {
  const r = sh('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-tAc', sql]);
  if (r.code !== 0) throw new Error(`psql: ${r.err || r.error?.message}`);
  return r.out;
}

// ---------------------------------------------------------------- GraphQL portal query
export function gqlPost(agent, port, token, body) {
  return new Promise((res, rej) => {
    const data = Buffer.from(JSON.stringify(body));
    const q = http.request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': data.length, authorization: `Bearer ${token}` } }, (s) => {
      const chunks = [];
      s.on('data', (c) => chunks.push(c));
      s.on('end', () => {
        try {
          const j = JSON.parse(Buffer.concat(chunks).toString());
          if (s.statusCode !== 200 || j.errors) rej(new Error(`graphql ${s.statusCode}: ${JSON.stringify(j.errors ?? j).slice(0, 300)}`));
          else res(j.data);
        } catch (e) { rej(e); }
      });
    });
    q.on('error', rej);
    q.end(data);
  });
}
export const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : null);
export const r2 = (x) => (x == null ? null : Math.round(x * 100) / 100);

// ---------------------------------------------------------------- formatting
export const fmt = (x, d = 1) => (x == null || Number.isNaN(x) ? '—' : Number(x).toFixed(d));
/** Bytes of a size as vosbench reads it: K/M/G and KiB/MiB/GiB are binary, KB/MB/GB decimal. */
export function parseSize(s) {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)(b?)\s*$/i.exec(String(s));
  if (!m) throw new Error(`bad size ${s}`);
  const base = m[4] && !m[3] ? 1000 : 1024;
  return Math.round(Number(m[1]) * base ** { '': 0, k: 1, m: 2, g: 3, t: 4 }[m[2].toLowerCase()]);
}

// ---------------------------------------------------------------- plain HTTP
/**
 * One request; resolves with the status, the headers, the body as text and the time to the last
 * byte. `path` is below 127.0.0.1:port, or a whole http:// URL (then `port` is not used).
 */
export function httpReq(agent, port, method, path, { headers = {}, body } = {}) {
  return new Promise((res, rej) => {
    const data = body == null ? null : Buffer.from(body);
    const h = { ...headers };
    if (data) h['content-length'] = data.length;
    const u = /^http:/.test(path) ? new URL(path) : null;
    const where = u ? { host: u.hostname, port: u.port, path: u.pathname + u.search } : { host: '127.0.0.1', port, path };
    const t0 = performance.now();
    const q = http.request({ ...where, method, agent, headers: h }, (s) => {
      const chunks = [];
      s.on('data', (c) => chunks.push(c));
      s.on('end', () => res({ status: s.statusCode, headers: s.headers, body: Buffer.concat(chunks).toString(), ms: performance.now() - t0 }));
      s.on('error', rej);
    });
    q.on('error', rej);
    q.end(data ?? undefined);
  });
}

/** Latency figures of a list of milliseconds. */
export function latencyStats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : null;
  return { n: s.length, p50_ms: r2(pct(s, 50)), p95_ms: r2(pct(s, 95)), p99_ms: r2(pct(s, 99)), mean_ms: r2(mean), max_ms: r2(s[s.length - 1] ?? null) };
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------- a fresh space
/**
 * The per-identity request limit of a bench space: the bench is one client making more than the
 * default 60 000 requests a minute (creating the 100 000-child container alone), so the limit is
 * set far above what it makes, which keeps the limiter's own work in every request measured.
 */
const BENCH_RATE_LIMIT = 100_000_000;

/**
 * A space of its own for one part of the run: on PostgreSQL a new database
 * (dropped at exit), on the embedded database a new data_dir; an INI file,
 * the user `bench` (home /bench) and a token for it. The service is not
 * started: start() and stop() do that (node dist/src/main.js, or `launcher`).
 * `storage` = { name, parameters } replaces the posix [Storage] backend (e.g. s3).
 * `repo` is the checkout whose CLI sets the space up and whose service start()
 * runs (by default this one; bench/cpu-ab.mjs gives another build's, which
 * brings its own migrations).
 */
export async function prepareSpace({ db, dir, logFile, label, parameters = {}, storage = null, repo = REPO }) {
  mkdirSync(dir, { recursive: true });
  let dsn = '';
  let dbName = null;
  if (db === 'postgresql') {
    ensurePostgres();
    dbName = `vospace_bench_${label}_${randomBytes(4).toString('hex')}`;
    psql(`CREATE DATABASE ${dbName}`);
    cleanups.push(async () => { psql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`); log(`dropped database ${dbName}`); });
    dsn = `${PG_URL}/${dbName}`;
  }
  const port = await freePort();
  const sport = await freePort();
  const ini = join(dir, 'vospace.ini');
  const dataDir = join(dir, 'db');
  writeFileSync(ini, `[Space]
host = 127.0.0.1
port = ${port}
name = vospace
uri = example.org
dsn = ${dsn}
data_dir = ${dataDir}
admin_socket = ${join(dir, 'admin.sock')}
use_ssl = 0
parameters = ${JSON.stringify({ shutdown_grace_seconds: 5, rate_limit_per_minute: BENCH_RATE_LIMIT, ...parameters })}

[Storage]
name = ${storage?.name ?? 'posix'}
host = 127.0.0.1
port = ${sport}
parameters = ${JSON.stringify(storage?.parameters ?? { root_dir: join(dir, 'storage'), staging_dir: join(dir, 'staging'), endpoint_ttl: 3600 })}
use_ssl = 0
`);
  const cli = (...a) => {
    const r = sh(process.execPath, ['dist/src/cli.js', '--config', ini, ...a], { cwd: repo });
    if (r.code !== 0) throw new Error(`cli ${a.join(' ')}: ${r.err || r.out}`);
    return r.out;
  };
  cli('user', 'add', 'bench');
  const token = cli('token', 'create', '--user', 'bench').split('\n').pop().trim();
  const space = {
    db, dir, ini, dsn, dbName, dataDir, port, sport, token, cli, svc: null,
    /** Starts the metadata service (by default node dist/src/main.js, with its storage server). */
    async start(args = ['dist/src/main.js', '--config', ini], name = `service (${db}, ${label})`) {
      const c = await startChild(name, process.execPath, args, { ready: 'listening on', logFile, timeoutMs: 180000, cwd: repo });
      cleanups.push(() => stopChild(c));
      space.svc = c;
      return c;
    },
    async stop() { await stopChild(space.svc); space.svc = null; },
    /** Runs SQL statements in ONE session while no service holds the database; returns the rows of the last one (as objects). */
    runSql(statements) {
      if (space.svc) throw new Error('runSql: stop the service first (one process owns an embedded database)');
      if (db === 'postgresql') {
        const file = join(dir, 'load.sql');
        writeFileSync(file, statements.map((s) => `${s.trim().replace(/;$/, '')};`).join('\n'));
        const r = sh('psql', ['-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', dbName, '-v', 'ON_ERROR_STOP=1', '-f', file, '--csv', '-P', 'footer=off']);
        if (r.code !== 0) throw new Error(`psql -f: ${r.err || r.error?.message}`);
        const lines = r.out.split('\n').filter(Boolean);
        if (lines.length < 2) return [];
        const head = lines[lines.length - 2].split(',');
        const vals = lines[lines.length - 1].split(',');
        return [Object.fromEntries(head.map((h, i) => [h, vals[i]]))];
      }
      const file = join(dir, 'load.json');
      writeFileSync(file, JSON.stringify(statements));
      const r = sh(process.execPath, [join(repo, 'bench', 'pglite-sql.mjs'), dataDir, file], { cwd: repo, env: { ...process.env, LOG_LEVEL: 'warn' } });
      if (r.code !== 0) throw new Error(`pglite-sql: ${r.err || r.error?.message}`);
      return JSON.parse(r.out.split('\n').pop()).rows;
    },
  };
  return space;
}

/** Runs `node ARGS` to its end (stderr to logFile); resolves with its stdout, rejects if it fails. */
export function runNodeOut(name, args, { logFile, env = {}, timeoutMs = 600000 } = {}) {
  return new Promise((res, rej) => {
    appendFileSync(logFile, `\n$ node ${args.join(' ')}\n`);
    const c = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    children.add(c);
    let out = '';
    const timer = setTimeout(() => killChild(c), timeoutMs);
    c.stdout.on('data', (d) => { out += d; });
    c.stderr.on('data', (d) => appendFileSync(logFile, d));
    c.on('exit', (code, sig) => {
      clearTimeout(timer);
      children.delete(c);
      if (code === 0) res(out.trim().split('\n').pop());
      else rej(new Error(`${name} exited (${code ?? sig}); see ${logFile}`));
    });
  });
}
