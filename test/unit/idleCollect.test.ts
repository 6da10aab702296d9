/**
 * src/idleCollect.ts: one full collection once the heap has grown, or after a
 * busy spell holds much more than it uses, and the event loop is idle; none
 * while the loop is busy, nor without growth. Each is followed up, while idle,
 * by a few more as long as they give memory back.
 */
import v8 from 'node:v8';
import { IdleRule, collectWhenIdle, fullCollection } from '../../src/idleCollect';

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

test('a collection is followed up while idle, a bounded number of times', async () => {
  const collector = collectWhenIdle({ everyMs: 100, growthBytes: 48 * MiB, followPeriods: 2 });
  try {
    await grownByGarbage();
    for (let t = 0; t < 30 && collector.collections < 2; t++) await sleep(100);
    expect(collector.collections).toBeGreaterThanOrEqual(2); // the first, and at least one follow-up
    await sleep(1500); // past the last follow-up (at most four, 0.2 s apart)
    const settled = collector.collections;
    expect(settled).toBeLessThanOrEqual(5);
    await sleep(600);
    expect(collector.collections).toBe(settled);
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

describe('the rule, on heap samples', () => {
  const idle = 0;
  const busy = 0.5;
  /**
   * The rule's answers to samples of [heap, unused, busy], in MiB; a collection follows each yes,
   * leaving the heap at `after` (heap, unused), or at the next of a list of them.
   */
  const run = (start: [number, number], samples: [number, number, number][], after: [number, number] | [number, number][] = [60, 10], followPeriods?: number) => {
    const rule = new IdleRule({ heap: start[0] * MiB, unused: start[1] * MiB, busy: idle }, 32 * MiB, 0.02, followPeriods);
    let n = 0;
    return samples.map(([heap, unused, b]) => {
      const due = rule.due({ heap: heap * MiB, unused: unused * MiB, busy: b });
      if (due) {
        const [h, u] = Array.isArray(after[0]) ? (after as [number, number][])[n++] : (after as [number, number]);
        rule.collected({ heap: h * MiB, unused: u * MiB });
      }
      return due;
    });
  };

  test('grown by the threshold and idle: one collection; never while busy', () => {
    expect(run([60, 10], [[80, 10, idle], [100, 20, busy], [100, 20, idle], [70, 10, idle], [70, 10, idle]])).toEqual([false, false, true, false, false]);
  });

  test('emptied under load but kept (the bench of 06:51: 115 MiB committed, 42 used, after a collection that left 110): collected once the load is over', () => {
    // No growth past the mark the last collection set, but 73 MiB unused against 10 after it.
    expect(run([110, 10], [[115, 20, busy], [115, 73, busy], [115, 73, idle], [50, 8, idle], [52, 9, idle]], [50, 8])).toEqual([false, false, true, false, false]);
  });

  test('unused that a collection leaves behind brings no collection after the next load', () => {
    // The collection left 49 MiB unused (fragments it could not move): the same after a load is no reason.
    expect(run([110, 10], [[115, 73, busy], [115, 73, idle], [62, 49, busy], [62, 52, idle]], [62, 49])).toEqual([false, true, false, false]);
  });

  test('the busy period right after a collection (V8 finishing it) is no load', () => {
    // After the collection, a busy-looking period, then idle with the unused grown: not a load, no collection.
    expect(run([110, 10], [[115, 73, busy], [115, 73, idle], [62, 49, busy], [62, 90, idle]], [62, 20])).toEqual([false, true, false, false]);
    // A real load after that period is counted.
    expect(run([110, 10], [[115, 73, busy], [115, 73, idle], [62, 20, busy], [62, 20, busy], [62, 60, idle]], [62, 20])).toEqual([false, true, false, false, true]);
  });

  describe('follow-ups', () => {
    /** run's answers with a follow-up every 2 idle periods, each collection leaving the heap at the next of `leaves`. */
    const follow = (samples: [number, number, number][], leaves: [number, number][]) => run([60, 10], samples, leaves, 2);

    test('every 2 idle periods after a collection, until one gives back less than 1 MiB', () => {
      // 130 → 114 (the first), 42, 37, 36.5 (gave 0.5: the end).
      const s: [number, number, number][] = [[130, 60, idle], [114, 80, idle], [114, 80, idle], [42, 8, idle], [42, 8, idle], [37, 3, idle], [37, 3, idle], [36.5, 2, idle], [36.5, 2, idle], [36.5, 2, idle], [36.5, 2, idle]];
      expect(follow(s, [[114, 80], [42, 8], [37, 3], [36.5, 2]])).toEqual([true, false, true, false, true, false, true, false, false, false, false]);
    });

    test('at most four follow-ups', () => {
      // Each collection gives back 10 MiB; each sample sees what the last one left.
      const s = Array.from({ length: 14 }, (_, k): [number, number, number] => [200 - 10 * Math.ceil(k / 2), 50, idle]);
      const leaves = Array.from({ length: 14 }, (_, k): [number, number] => [190 - 10 * k, 50]);
      expect(follow(s, leaves).filter(Boolean)).toHaveLength(5);
    });

    test('busy periods postpone the follow-up: it comes after 2 idle ones', () => {
      expect(follow([[130, 60, idle], [114, 80, busy], [114, 80, idle], [114, 80, busy], [114, 80, busy], [114, 80, idle], [42, 8, idle]], [[114, 80], [42, 8]])).toEqual([true, false, false, false, false, true, false]);
    });
  });
});
