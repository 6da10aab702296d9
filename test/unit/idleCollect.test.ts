/**
 * src/idleCollect.ts: one full collection once the heap has grown and the
 * event loop is idle; none while the loop is busy, nor without growth.
 */
import v8 from 'node:v8';
import { collectWhenIdle } from '../../src/idleCollect';

const MiB = 1 << 20;
const heapBytes = () => v8.getHeapStatistics().total_heap_size;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Grows the heap by at least `bytes` of objects that are garbage once it returns. */
function litter(bytes: number): void {
  const start = heapBytes();
  let held: unknown[] = [];
  while (heapBytes() - start < bytes) for (let i = 0; i < 10_000; i++) held.push({ i, s: `x${i}`, a: [i] });
  held = [];
}

test('after the heap grows, an idle period brings one collection, which gives the garbage back', async () => {
  const collector = collectWhenIdle({ everyMs: 200, growthBytes: 48 * MiB });
  try {
    await sleep(500);
    expect(collector.collections).toBe(0); // no growth yet
    litter(96 * MiB);
    const grown = heapBytes();
    for (let t = 0; t < 30 && collector.collections === 0; t++) await sleep(100);
    expect(collector.collections).toBe(1);
    expect(heapBytes()).toBeLessThan(grown - 48 * MiB);
    await sleep(600);
    expect(collector.collections).toBe(1); // nothing grew since
  } finally {
    collector.stop();
  }
});

test('no collection while the event loop is busy', async () => {
  const collector = collectWhenIdle({ everyMs: 200, growthBytes: 48 * MiB });
  try {
    litter(96 * MiB);
    // Busy: the loop works 90 ms of every 100 (beyond maxBusy), as under load.
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      const end = Date.now() + 90;
      while (Date.now() < end) litter(0);
      await sleep(10);
    }
    expect(collector.collections).toBe(0);
    for (let t = 0; t < 30 && collector.collections === 0; t++) await sleep(100);
    expect(collector.collections).toBe(1); // and once idle, the collection comes
  } finally {
    collector.stop();
  }
});
