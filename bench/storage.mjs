// RSS of a standalone storage server (called by bench/run.mjs; PostgreSQL only).
//
// The metadata service runs without its in-process storage server
// (bench/service-nostorage.cjs: startService(config, { storage: false })) and
// `node dist/storage-server/main.js --config INI` runs on its own, registered
// in the same database, so it is the only live server and every endpoint
// names it. vosbench uploads and downloads BENCH_BYTES through it (verified,
// then --no-verify) while VmRSS of both processes is sampled every 100 ms.
import { join } from 'node:path';
import { AUTHORITY, HERE, cleanups, fmt, log, prepareSpace, psql, r2, readRssKiB, rssSampler, startChild, stopChild, vosbench } from './lib.mjs';

export const STORAGE_RSS = { on: process.env.BENCH_STORAGE_RSS !== '0' };
export const STORAGE_KNOBS = ['BENCH_STORAGE_RSS'];
const TARGET_MIB = 64;

export async function runStorageRss(db, { tmp, logFile, runId, bytes }) {
  const out = { db, lines: [], notes: [] };
  if (db !== 'postgresql') return out;
  const t0 = performance.now();
  const push = (l) => out.lines.push({ ...l, db, run: runId });
  const space = await prepareSpace({ db, dir: join(tmp, `${db}-storage`), logFile, label: 'storage' });
  const svc = await space.start([join(HERE, 'service-nostorage.cjs'), '--config', space.ini], 'service without storage server');
  let st = null;
  try {
    st = await startChild('standalone storage server', process.execPath, ['dist/storage-server/main.js', '--config', space.ini], { ready: 'listening on', logFile, timeoutMs: 60000 });
    cleanups.push(() => stopChild(st));
    const servers = psql(`SELECT string_agg(url, ' ') FROM storage_servers`, space.dbName);
    const want = `:${space.sport}`;
    if (!servers || servers.split(' ').length !== 1 || !servers.includes(want)) throw new Error(`expected the standalone server (${want}) alone in storage_servers, found: ${servers}`);
    const idle = { storageMiB: r2(readRssKiB(st.pid) / 1024), serviceMiB: r2(readRssKiB(svc.pid) / 1024) };
    const base = ['--base', `http://127.0.0.1:${space.port}/vospace`, '--authority', AUTHORITY, '--token', space.token, '--root', 'bench'];
    for (const noVerify of [false, true]) {
      log(`${db}: standalone storage server: upload+download ${bytes}${noVerify ? ' --no-verify' : ''}`);
      const stopSt = rssSampler(st.pid);
      const stopSvc = rssSampler(svc.pid);
      const lines = await vosbench([...base, '--scenarios', 'upload,download', '--bytes', bytes, '--keep', ...(noVerify ? ['--no-verify'] : [])], { logFile, tag: `${db}-standalone-storage${noVerify ? '-noverify' : ''}` });
      const rss = stopSt();
      const svcRss = stopSvc();
      const up = lines.find((l) => l.scenario === 'upload');
      const dn = lines.find((l) => l.scenario === 'download');
      const served = psql(`SELECT s.url FROM nodes n JOIN storage_servers s ON s.id = n.storage_id WHERE n.location IS NOT NULL ORDER BY n.mtime DESC LIMIT 1`, space.dbName);
      push({
        kind: 'storage-rss', bytes, no_verify: noVerify, idle,
        storage: rss, service: svcRss, served_by: served,
        upload_MBps: up?.stream_MBps ?? null, download_MBps: dn?.stream_MBps ?? null, verified: dn?.verified ?? null,
        errors: (up?.errors ?? 1) + (dn?.errors ?? 1), sample_errors: [...(up?.sample_errors ?? []), ...(dn?.sample_errors ?? [])].slice(0, 3),
      });
      log(`${db}: standalone storage RSS ${rss.beforeMiB} → ${rss.peakMiB} MiB (+${rss.growthMiB}); served by ${served}`);
    }
  } finally {
    await stopChild(st);
    await space.stop();
  }
  push({ kind: 'step', step: 'standalone storage', seconds: r2((performance.now() - t0) / 1000) });
  return out;
}

export function storageSection(results) {
  const all = results.flatMap((r) => r.lines).filter((l) => l.kind === 'storage-rss');
  if (!all.length) return '';
  const md = ['### Standalone storage server RSS (PostgreSQL)', ''];
  md.push(`The metadata service ran WITHOUT its in-process storage server (\`bench/service-nostorage.cjs\`: \`startService(config, { storage: false })\`; \`dist/src/main.js\` has no such switch) and \`node dist/storage-server/main.js --config INI\` ran on its own in the same database, the only live storage server (checked in \`storage_servers\`, and the uploaded node's \`storage_id\` names it). vosbench's upload then download of the same object; RSS is VmRSS of each process, sampled every 100 ms. Target: growth of the storage server < ${TARGET_MIB} MiB.`, '');
  md.push('| run | storage server RSS before → peak MiB | growth | peak − idle | target | metadata service RSS before → peak MiB | upload MB/s | download MB/s | errors | served by |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const l of all) {
    md.push(`| upload+download ${l.bytes}${l.no_verify ? ' `--no-verify`' : ' (sha256 verified: ' + l.verified + ')'} | ${fmt(l.storage.beforeMiB)} → ${fmt(l.storage.peakMiB)} (${l.storage.samples} samples) | +${fmt(l.storage.growthMiB)} MiB | +${fmt(l.storage.peakMiB - l.idle.storageMiB)} MiB | ${l.storage.growthMiB < TARGET_MIB ? 'met' : `**missed** by ${fmt(l.storage.growthMiB - TARGET_MIB)} MiB`} | ${fmt(l.service.beforeMiB)} → ${fmt(l.service.peakMiB)} | ${fmt(l.upload_MBps)} | ${fmt(l.download_MBps)} | ${l.errors} | ${l.served_by} |`);
  }
  const idle = all[0].idle;
  const step = results.flatMap((r) => r.lines).find((l) => l.kind === 'step' && l.step === 'standalone storage');
  md.push('', `Idle after start: storage server ${fmt(idle.storageMiB)} MiB, metadata service ${fmt(idle.serviceMiB)} MiB. Step time ${fmt(step?.seconds, 0)} s.`, '');
  for (const r of results) for (const n of r.notes) md.push(`- ${n}`);
  return md.join('\n');
}
