// A standalone storage server during a BENCH_BYTES upload and download, one per backend
// (called by bench/run.mjs; PostgreSQL only): part `storage` on the posix backend, part `s3` on
// the s3 backend against a real Ceph RADOS Gateway started for it (bench/rgw.mjs).
//
// The metadata service runs without its in-process storage server
// (bench/service-nostorage.cjs: startService(config, { storage: false })) and
// `node dist/storage-server/main.js --config INI` runs on its own, registered
// in the same database, so it is the only live server and every endpoint
// names it. vosbench uploads and downloads BENCH_BYTES through it (verified,
// then --no-verify) while VmRSS of both processes is sampled every 100 ms.
import { join } from 'node:path';
import { AUTHORITY, HERE, cleanups, fmt, log, parseSize, prepareSpace, psql, r2, readRssKiB, rssSampler, startChild, stopChild, vosbench } from './lib.mjs';
import { s3Parameters, startRgw, stopRgw } from './rgw.mjs';
import { BYTES_CLIENT_ENV, bytesSummary } from './bytes.mjs';

export const STORAGE_RSS = { on: process.env.BENCH_STORAGE_RSS !== '0' };
export const S3 = { on: process.env.BENCH_S3 !== '0' };
export const STORAGE_KNOBS = ['BENCH_STORAGE_RSS', 'BENCH_S3', 'RGW_MEM_BYTES'];
const TARGET_MIB = 64;

/** The gateway's in-memory OSD holds both uploads until Ceph's garbage collection (hours later): room for three. */
const rgwMemBytes = (bytes) => Number(process.env.RGW_MEM_BYTES ?? Math.max(4 * 2 ** 30, 3 * parseSize(bytes)));

export async function runStorageRss(db, { tmp, logFile, runId, bytes }, backend = 'posix') {
  const out = { db, lines: [], notes: [] };
  if (db !== 'postgresql') return out;
  const t0 = performance.now();
  const push = (l) => out.lines.push({ ...l, db, backend, run: runId });
  let storage = null;
  let rgw = null;
  if (backend === 's3') {
    log(`${db}: s3: starting a Ceph RADOS Gateway`);
    const s = performance.now();
    rgw = await startRgw({ memBytes: rgwMemBytes(bytes) });
    storage = { name: 's3', parameters: s3Parameters(rgw) };
    push({ kind: 'rgw', start_s: r2((performance.now() - s) / 1000), mem_bytes: rgw.memBytes });
  }
  const space = await prepareSpace({ db, dir: join(tmp, `${db}-storage-${backend}`), logFile, label: `storage_${backend}`, storage });
  const svc = await space.start([join(HERE, 'service-nostorage.cjs'), '--config', space.ini], 'service without storage server');
  let st = null;
  try {
    st = await startChild(`standalone storage server (${backend})`, process.execPath, ['dist/storage-server/main.js', '--config', space.ini], { ready: 'listening on', logFile, timeoutMs: 60000 });
    cleanups.push(() => stopChild(st));
    const servers = psql(`SELECT string_agg(url, ' ') FROM storage_servers`, space.dbName);
    const want = `:${space.sport}`;
    if (!servers || servers.split(' ').length !== 1 || !servers.includes(want)) throw new Error(`expected the standalone server (${want}) alone in storage_servers, found: ${servers}`);
    const idle = { storageMiB: r2(readRssKiB(st.pid) / 1024), serviceMiB: r2(readRssKiB(svc.pid) / 1024) };
    const base = ['--base', `http://127.0.0.1:${space.port}/vospace`, '--authority', AUTHORITY, '--token', space.token, '--root', 'bench'];
    for (const noVerify of [false, true]) {
      log(`${db}: standalone storage server (${backend}): upload+download ${bytes}${noVerify ? ' --no-verify' : ''}`);
      const stopSt = rssSampler(st.pid);
      const stopSvc = rssSampler(svc.pid);
      // the storage server's peak until the upload's line: the upload's share of the peak
      let uploadPeakMiB = null;
      const onLine = (l) => { if (l.scenario === 'upload') uploadPeakMiB = stopSt.peakMiB(); };
      const lines = await vosbench([...base, '--scenarios', 'upload,download', '--bytes', bytes, '--keep', ...(noVerify ? ['--no-verify'] : [])], { logFile, tag: `${db}-standalone-${backend}${noVerify ? '-noverify' : ''}`, env: BYTES_CLIENT_ENV, onLine });
      const rss = stopSt();
      const svcRss = stopSvc();
      const up = lines.find((l) => l.scenario === 'upload');
      const dn = lines.find((l) => l.scenario === 'download');
      const served = psql(`SELECT s.url FROM nodes n JOIN storage_servers s ON s.id = n.storage_id WHERE n.location IS NOT NULL ORDER BY n.mtime DESC LIMIT 1`, space.dbName);
      push({
        kind: 'storage-rss', bytes, no_verify: noVerify, idle,
        storage: { ...rss, uploadPeakMiB }, service: svcRss, served_by: served,
        upload_MBps: up?.stream_MBps ?? null, download_MBps: dn?.stream_MBps ?? null, verified: dn?.verified ?? null,
        errors: (up?.errors ?? 1) + (dn?.errors ?? 1), sample_errors: [...(up?.sample_errors ?? []), ...(dn?.sample_errors ?? [])].slice(0, 3),
      });
      log(`${db}: standalone storage (${backend}) RSS ${rss.beforeMiB} → ${rss.peakMiB} MiB (+${rss.growthMiB}); up ${up?.stream_MBps} MB/s, down ${dn?.stream_MBps} MB/s; served by ${served}`);
    }
  } finally {
    await stopChild(st);
    await space.stop();
    if (rgw) await stopRgw(rgw).catch((e) => log(`s3: stopping the gateway: ${e.message}`));
  }
  push({ kind: 'step', step: `standalone storage ${backend}`, seconds: r2((performance.now() - t0) / 1000) });
  return out;
}

const BACKEND_NAME = { posix: 'posix', s3: 's3 (Ceph RGW 16, in-memory OSD)' };

export function storageSection(results) {
  const all = results.flatMap((r) => r.lines).filter((l) => l.kind === 'storage-rss');
  if (!all.length) return '';
  const md = ['### Standalone storage server RSS (PostgreSQL)', ''];
  md.push(`The metadata service ran WITHOUT its in-process storage server (\`bench/service-nostorage.cjs\`: \`startService(config, { storage: false })\`; \`dist/src/main.js\` has no such switch) and \`node dist/storage-server/main.js --config INI\` ran on its own in the same database, the only live storage server (checked in \`storage_servers\`, and the uploaded node's \`storage_id\` names it). vosbench's upload then download of the same object; RSS is VmRSS of each process, sampled every 100 ms. Target: growth of the storage server < ${TARGET_MIB} MiB.`, '');
  md.push('| backend | run | storage server RSS before → peak MiB | growth | peak − idle | target | metadata service RSS before → peak MiB | upload MB/s | download MB/s | errors | served by |', '|---|---|---|---|---|---|---|---|---|---|---|');
  for (const l of all) {
    md.push(`| ${BACKEND_NAME[l.backend] ?? l.backend} | upload+download ${l.bytes}${l.no_verify ? ' `--no-verify`' : ' (sha256 verified: ' + l.verified + ')'} | ${fmt(l.storage.beforeMiB)} → ${fmt(l.storage.peakMiB)} (${l.storage.samples} samples; the upload's peak ${fmt(l.storage.uploadPeakMiB)}) | +${fmt(l.storage.growthMiB)} MiB | +${fmt(l.storage.peakMiB - l.idle.storageMiB)} MiB | ${l.storage.growthMiB < TARGET_MIB ? 'met' : `**missed** by ${fmt(l.storage.growthMiB - TARGET_MIB)} MiB`} | ${fmt(l.service.beforeMiB)} → ${fmt(l.service.peakMiB)} | ${fmt(l.upload_MBps)} | ${fmt(l.download_MBps)} | ${l.errors} | ${l.served_by} |`);
  }
  md.push('');
  for (const backend of ['posix', 's3']) {
    const first = all.find((l) => l.backend === backend);
    if (!first) continue;
    const lines = results.flatMap((r) => r.lines).filter((l) => l.backend === backend);
    const step = lines.find((l) => l.kind === 'step');
    const rgw = lines.find((l) => l.kind === 'rgw');
    md.push(`- ${backend}: idle after start: storage server ${fmt(first.idle.storageMiB)} MiB, metadata service ${fmt(first.idle.serviceMiB)} MiB. Step time ${fmt(step?.seconds, 0)} s${rgw ? ` (of which the gateway's start ${fmt(rgw.start_s, 0)} s; memstore cap ${fmt(rgw.mem_bytes / 2 ** 30)} GiB)` : ''}.`);
  }
  md.push('');
  for (const r of results) for (const n of r.notes) md.push(`- ${n}`);
  return md.join('\n');
}

/**
 * The "Storage backends" table: the standalone storage server on posix and on s3 against nginx
 * of the same run (same BENCH_BYTES, PUT then GET of the same file), verified and --no-verify
 * pairs, and the in-process posix figures of the main part when it ran.
 */
export function backendsSection(results, nginx, mainResults) {
  const all = results.flatMap((r) => r.lines).filter((l) => l.kind === 'storage-rss');
  if (!all.length) return '';
  const ng = (tag) => nginx?.lines?.find((x) => x.tag === tag)?.stream_MBps ?? null;
  const ref = { false: { put: ng('nginx-rawput'), get: ng('nginx-rawget') }, true: { put: ng('nginx-rawput-noverify'), get: ng('nginx-rawget-noverify') } };
  const x = (a, b) => (a != null && b ? `${fmt(a / b, 2)}×` : '—');
  const md = ['### Storage backends (same run)', ''];
  md.push('Upload and download of the same object through a standalone storage server (previous table) on each backend, beside nginx serving a file of the same size in this run (its dav PUT, then GET of that file) and, when the main part ran, the service with its in-process posix storage server. MB/s of the data PUT/GET alone (vosbench "stream"); "verified" means the client computed sha256 on the stream (nginx\'s runs too), `--no-verify` that it did not. RSS is the storage server\'s (for "in-process", the whole service\'s).', '');
  md.push('| backend | run | upload MB/s | × nginx PUT | download MB/s | × nginx GET | s3 ÷ posix (up / down) | RSS before → peak MiB |', '|---|---|---|---|---|---|---|---|');
  for (const nv of [false, true]) {
    const r = ref[nv];
    const run = nv ? '`--no-verify`' : 'verified';
    const posix = all.find((l) => l.backend === 'posix' && l.no_verify === nv);
    for (const l of all.filter((y) => y.no_verify === nv)) {
      const vsPosix = l.backend === 's3' && posix ? `${x(l.upload_MBps, posix.upload_MBps)} / ${x(l.download_MBps, posix.download_MBps)}` : '—';
      md.push(`| ${BACKEND_NAME[l.backend] ?? l.backend}, standalone | ${run} | ${fmt(l.upload_MBps)} | ${x(l.upload_MBps, r.put)} | ${fmt(l.download_MBps)} | ${x(l.download_MBps, r.get)} | ${vsPosix} | ${fmt(l.storage.beforeMiB)} → ${fmt(l.storage.peakMiB)} |`);
    }
    for (const m of mainResults.filter((y) => y.db === 'postgresql')) {
      const sum = bytesSummary(m.lines, nv);
      const [up, dn] = [sum?.upload.service.MBps, sum?.download.service.MBps];
      const rss = m.lines.find((y) => y.kind === 'rss' && y.phase.startsWith('upload') && y.no_verify === nv);
      if (sum) md.push(`| posix, in-process (main part, PostgreSQL; medians of its ${sum.reps} rounds) | ${run} | ${fmt(up)} | ${x(up, r.put)} | ${fmt(dn)} | ${x(dn, r.get)} | — | ${fmt(rss?.beforeMiB)} → ${fmt(rss?.peakMiB)} |`);
    }
    md.push(`| nginx ${nginx?.meta?.version ?? ''} | ${run} | ${fmt(r.put)} | 1.00× | ${fmt(r.get)} | 1.00× | — | — |`);
  }
  md.push('');
  return md.join('\n');
}
