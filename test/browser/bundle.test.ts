/**
 * The first view's JavaScript (issue 11: under 300 KB gzipped): the entry
 * chunk web/dist/index.html loads, its module preloads, and every chunk they
 * import statically. Lazy chunks (the admin pages and Chart.js) are not in it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const DIST = path.join(__dirname, '..', '..', 'web', 'dist');
const LIMIT = 300 * 1024;

/** The .js files a page loads before it can show anything: the entry, its preloads, and their static imports, transitively. */
function firstView(): string[] {
  const html = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8');
  const roots = [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="\/([^"]+\.js)"/g)].map((m) => m[1]);
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = fs.readFileSync(path.join(DIST, file), 'utf8');
    // import{a}from"./x.js" and import"./x.js"; never import(`./x.js`), which loads on demand.
    for (const m of code.matchAll(/(?:\bfrom|\bimport)\s*["'`](\.\/[^"'`]+\.js)["'`]/g)) visit(path.posix.join(path.posix.dirname(file), m[1]));
  };
  roots.forEach(visit);
  return [...seen];
}

test('the first view loads under 300 KB of gzipped JavaScript, and not the admin pages or their chart library', () => {
  const files = firstView();
  expect(files.length).toBeGreaterThan(0);
  const sizes = Object.fromEntries(files.map((f) => [f, gzipSync(fs.readFileSync(path.join(DIST, f))).length]));
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  expect({ total, ok: total < LIMIT }).toEqual({ total, ok: true });
  for (const f of files) {
    expect(path.basename(f)).not.toMatch(/^AdminPage/);
    // A message of Chart.js's own: its code is in no first-view file.
    expect(fs.readFileSync(path.join(DIST, f), 'utf8')).not.toContain('Canvas is already in use');
  }
  // The admin chunk exists and holds the chart library: the check above would mean nothing otherwise.
  const lazy = fs.readdirSync(path.join(DIST, 'assets')).filter((f) => f.startsWith('AdminPage') && f.endsWith('.js'));
  expect(lazy).toHaveLength(1);
  expect(fs.readFileSync(path.join(DIST, 'assets', lazy[0]), 'utf8')).toContain('Canvas is already in use');
});
