// Where a V8 CPU profile (--cpu-prof) of the service spent its time, by layer: the measured limit
// behind a missed CPU goal. Self time of each sample, grouped by the file its function is in;
// idle samples are left out of the shares.
import { readFileSync } from 'node:fs';

const LAYERS = [
  ['Express and its middleware', /node_modules\/(express|router|body-parser|raw-body|helmet|express-rate-limit|cors|finalhandler|send|serve-static|path-to-regexp|parseurl|qs|type-is|accepts|content-type|mime-types|negotiator|on-finished|depd|debug|cookie|proxy-addr|forwarded|vary|etag|fresh|range-parser)\//],
  ['pg driver and Knex', /node_modules\/(pg|pg-protocol|pg-types|postgres-date|postgres-array|postgres-bytea|postgres-interval|pg-pool|pg-connection-string|knex|tarn)\//],
  ['logging (pino) and metrics (prom-client)', /node_modules\/(pino[^/]*|sonic-boom|thread-stream|prom-client|tdigest|bintrees)\//],
  ['XML parsing (saxes)', /node_modules\/(saxes|xmlchars)\//],
  ['other packages', /node_modules\//],
  ["the service's own code", /\/dist\//],
  ["Node.js's HTTP, streams and events (JavaScript)", /^node:/],
];
const NATIVE = {
  '(garbage collector)': 'garbage collection',
  '(program)': 'V8 and native code outside JavaScript',
  '(idle)': null,
};

/** Shares (%) of non-idle self time by layer, largest first (those under 0.5% left out). */
export function profileLayers(file) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const time = new Map();
  let total = 0;
  p.samples.forEach((id, i) => {
    const { url, functionName } = byId.get(id).callFrame;
    const layer = url
      ? LAYERS.find(([, re]) => re.test(url))?.[0] ?? 'other JavaScript'
      : functionName in NATIVE ? NATIVE[functionName] : 'native bindings (socket writes: writev, writeString…)';
    if (layer === null) return;
    const dt = p.timeDeltas[i] ?? 0;
    time.set(layer, (time.get(layer) ?? 0) + dt);
    total += dt;
  });
  const rows = [...time].map(([layer, t]) => ({ layer, pct: Math.round((1000 * t) / total) / 10 }));
  return rows.sort((a, b) => b.pct - a.pct).filter((r) => r.pct >= 0.5);
}
