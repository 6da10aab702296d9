/**
 * Gives the heap's garbage back once the process goes idle. Under load V8
 * grows its heap and keeps what it grew until its memory reducer runs, which
 * only a collection sets going: ~30 s after the load with /metrics scraped
 * every 2 s, not within 40 s in an idle script. At the end of `npm run
 * bench` the embedded service held ~300 MiB, its heap 162 MiB of which
 * 42 MiB live. Here a check every second (no work per
 * request): when the event loop was busy for less than `maxBusy` of the last
 * period, and the heap has grown by `growthBytes` since the last collection,
 * or, the first time after a busy spell, holds `growthBytes` more unused than
 * it did after the last collection, one full collection runs (tens of ms,
 * when nothing waits) and V8 returns the freed pages: 296 → 264 MiB within
 * 5 s of the bench's end, and the memory reducer this collection sets going
 * took it to 187 MiB ~20 s later. Under steady load it never runs; V8's own collector works then.
 *
 * Growth alone missed a heap that V8's own collections had emptied but not
 * given back: after a collection while the heap was large (between two loads)
 * the bench ended with 115 MiB committed and 42 MiB used, and no collection
 * came (265 MiB of RSS 30 s after the last request, against 190 in the run
 * before).
 *
 * One collection right after a load gives back little of the heap: V8 sizes
 * the young generation and picks the pages to compact by the allocation rate
 * of the last ~5 s, which is still the load's. Its 32 MiB young generation
 * stayed, and the old space kept 54 MiB for 30 MiB in use; the memory reducer
 * that should follow came in some runs and not in others (the bench's RSS
 * 30 s after its end: 190 or 261 MiB). So each collection in an idle spell is
 * followed by another after `followPeriods` idle periods (busy ones, such as
 * a scrape of /metrics or the embedded database's upkeep, postpone it), while
 * the last one gave back at least 1 MiB, up to MAX_FOLLOW_UPS: with the load
 * out of that window, V8 shrinks the young generation and moves the old
 * space's sparse pages together. Each collection is logged at debug level.
 */
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { logger } from './log';

export interface IdleCollectOptions {
  everyMs?: number;
  growthBytes?: number;
  /** The event loop's utilisation (0–1) over the last period below which the process counts as idle. */
  maxBusy?: number;
  /** Idle periods after a collection before one follows it up (V8 judges the allocation rate over ~5 s). */
  followPeriods?: number;
}

/** Follow-ups end once one gives back less than this, */
const MIN_GAIN = 1 << 20;
/** or after this many (each is a full collection: tens of ms). */
const MAX_FOLLOW_UPS = 4;

export interface IdleCollector {
  /** Full collections run so far. */
  readonly collections: number;
  stop(): void;
}

/** The heap as each check sees it. */
export interface HeapSample {
  /** V8's heap, committed bytes. */
  heap: number;
  /** Committed bytes not in use. */
  unused: number;
  /** The event loop's utilisation (0–1) over the period just ended. */
  busy: number;
}

/**
 * When to collect, from one sample per period (collectWhenIdle takes one a
 * period): apart from V8, so that the rule is tested on its own.
 */
export class IdleRule {
  private base: number;
  // What a collection leaves unused (fragments, the young generation) it cannot give back: only more counts.
  private unusedBase: number;
  // Busy since the last look: the unused heap is looked at once per idle spell.
  private busySince = false;
  // The period right after a collection: what V8 does to finish it (sweeping, freeing buffers) is no load.
  private settling = false;
  // The follow-up of the last collection: idle periods until it, and follow-ups so far; null when none is due.
  private follow: { in: number; count: number } | null = null;
  private dueFollowUp = false;
  private lastHeap: number;

  constructor(
    start: HeapSample,
    private readonly growthBytes: number,
    private readonly maxBusy: number,
    private readonly followPeriods = 6,
  ) {
    this.lastHeap = start.heap;
    this.base = start.heap;
    this.unusedBase = start.unused;
  }

  /** Whether to collect now. */
  due({ heap, unused, busy }: HeapSample): boolean {
    this.base = Math.min(this.base, heap); // V8 gave some back itself
    this.unusedBase = Math.min(this.unusedBase, unused);
    this.lastHeap = heap;
    const settling = this.settling;
    this.settling = false;
    if (busy >= this.maxBusy) {
      // Not counted towards a follow-up, which waits for idle periods only.
      this.busySince ||= !settling;
      return false;
    }
    const emptied = this.busySince && unused - this.unusedBase >= this.growthBytes;
    this.busySince = false;
    this.dueFollowUp = false;
    if (heap - this.base >= this.growthBytes || emptied) return true;
    this.dueFollowUp = this.follow !== null && --this.follow.in <= 0;
    return this.dueFollowUp;
  }

  /** After a collection: the heap as it left it. */
  collected({ heap, unused }: Omit<HeapSample, 'busy'>): void {
    const count = this.dueFollowUp ? this.follow!.count + 1 : 0;
    const done = this.dueFollowUp && (this.lastHeap - heap < MIN_GAIN || count >= MAX_FOLLOW_UPS);
    this.follow = done ? null : { in: this.followPeriods, count };
    this.base = heap;
    this.unusedBase = unused;
    this.settling = true;
  }
}

const heapNow = (): Omit<HeapSample, 'busy'> => {
  const h = v8.getHeapStatistics();
  return { heap: h.total_heap_size, unused: h.total_heap_size - h.used_heap_size };
};

/** V8's full collection, which it keeps behind --expose-gc: the flag is set for the one context made here, then unset. */
export function fullCollection(): () => void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  v8.setFlagsFromString('--no-expose-gc');
  return gc;
}

export function collectWhenIdle({ everyMs = 1000, growthBytes = 32 << 20, maxBusy = 0.02, followPeriods = 6 }: IdleCollectOptions = {}): IdleCollector {
  const gc = fullCollection();
  let collections = 0;
  const rule = new IdleRule({ ...heapNow(), busy: 0 }, growthBytes, maxBusy, followPeriods);
  let lastUse = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const use = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(use, lastUse).utilization;
    lastUse = use;
    const before = heapNow();
    if (!rule.due({ ...before, busy })) return;
    gc();
    collections++;
    const after = heapNow();
    rule.collected(after);
    logger.debug({ heapMiB: [before.heap, after.heap].map((b) => Math.round(b / 2 ** 20)), unusedMiB: Math.round(after.unused / 2 ** 20) }, 'idle collection');
    // The collection's own time is no load: the next period is measured from its end.
    lastUse = performance.eventLoopUtilization();
  }, everyMs);
  timer.unref();
  return {
    get collections() {
      return collections;
    },
    stop: () => clearInterval(timer),
  };
}
