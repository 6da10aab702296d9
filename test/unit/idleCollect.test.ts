/**
 * src/idleCollect.ts: one full collection once the heap has grown, or after a
 * busy spell holds much more than it uses, and the event loop is idle; none
 * while the loop is busy, nor without growth.
 */
import v8 from 'node:v8';
import { collectWhenIdle, fullCollection } from '../../src/idleCollect';

const MiB = 1 << 20;
const heapBytes = () => v8.getHeapStatistics().total_heap_size;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Grows the heap by at least `bytes` of objects, held by the array returned until its length is set to 0. */
function litter(bytes: number): unknown[] {
  const start = heapBytes();
  const held: unknown[] = [];
  while (heapBytes() - start < bytes) for (let i = 0; i < 10_000; i++) held.push({ i, s: `x${i}`, a: [i] });
  return held;
}

/** Keeps the event loop busy 90 ms of every 100 (beyond maxBusy), as under load. */
async function busyFor(ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const end = Date.now() + 90;
    while (Date.now() < end) heapBytes();
    await sleep(10);
  }
}

/**
 * The heap grown by 96 MiB of objects that become garbage only once V8's own collections, which
 * making them set off, are over (they would otherwise shrink the heap before the collector looks),
 * from a heap that holds no earlier test file's garbage (which those collections would free too).
 * The loop is kept busy meanwhile, so that the collector does not run while the objects are held.
 */
async function grownByGarbage(): Promise<number> {
  const held = litter(96 * MiB);
  await busyFor(500);
  const grown = heapBytes();
  held.length = 0;
  return grown;
}

beforeEach(() => fullCollection()());

test('after the heap grows, an idle period brings one collection, which gives the garbage back', async () => {
  const collector = collectWhenIdle({ everyMs: 200, growthBytes: 48 * MiB });
  try {
    await sleep(500);
    expect(collector.collections).toBe(0); // no growth yet
    const grown = await grownByGarbage();
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
    await grownByGarbage();
    await busyFor(1500);
    expect(collector.collections).toBe(0);
    for (let t = 0; t < 30 && collector.collections === 0; t++) await sleep(100);
    expect(collector.collections).toBe(1); // and once idle, the collection comes
  } finally {
    collector.stop();
  }
});

test('a heap that V8 emptied under load but kept is collected once the load is over, and only once', async () => {
  // Started with the heap already large: it does not grow from here on, it only empties.
  const held = litter(96 * MiB);
  const collector = collectWhenIdle({ everyMs: 200, growthBytes: 24 * MiB });
  try {
    // Most of it becomes garbage, and the load's own short-lived objects set V8's collections off meanwhile.
    const kept = held.filter((_, i) => i % 20 === 0);
    const keptLength = kept.length;
    held.length = 0;
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      const end = Date.now() + 90;
      while (Date.now() < end) for (let i = 0; i < 1000; i++) kept.push({ i });
      kept.length = keptLength;
      await sleep(10);
    }
    expect(collector.collections).toBe(0);
    const stats = v8.getHeapStatistics();
    expect(stats.total_heap_size - stats.used_heap_size).toBeGreaterThan(24 * MiB);
    for (let t = 0; t < 30 && collector.collections === 0; t++) await sleep(100);
    expect(collector.collections).toBe(1);
    expect(heapBytes()).toBeLessThan(stats.total_heap_size - 16 * MiB);
    await sleep(1000);
    expect(collector.collections).toBe(1); // idle since: not again
    expect(kept).toHaveLength(keptLength);
  } finally {
    collector.stop();
  }
});
