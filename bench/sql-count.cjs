// Preload (node -r bench/sql-count.cjs): counts the SQL statements pg clients send; SIGUSR2 writes them to $COUNT_FILE.PID and resets.
const pg = require('pg');
const fs = require('fs');
const counts = new Map();
const orig = pg.Client.prototype.query;
pg.Client.prototype.query = function (q, ...rest) {
  const text = typeof q === 'string' ? q : q && q.text;
  if (text) { const k = text.replace(/\s+/g, ' ').slice(0, 140); counts.set(k, (counts.get(k) || 0) + 1); }
  return orig.call(this, q, ...rest);
};
process.on('SIGUSR2', () => {
  const rows = [...counts].sort((a, b) => b[1] - a[1]);
  fs.writeFileSync((process.env.COUNT_FILE || '/tmp/sqlcounts') + '.' + process.pid, rows.map(([k, v]) => `${v}\t${k}`).join('\n') + '\n');
  counts.clear();
});
