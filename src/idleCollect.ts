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
 */
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

export interface IdleCollectOptions {
  everyMs?: number;
  growthBytes?: number;
  /** The event loop's utilisation (0–1) over the last period below which the process counts as idle. */
  maxBusy?: number;
}

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

  constructor(
    start: HeapSample,
    private readonly growthBytes: number,
    private readonly maxBusy: number,
  ) {
    this.base = start.heap;
    this.unusedBase = start.unused;
  }

  /** Whether to collect now. */
  due({ heap, unused, busy }: HeapSample): boolean {
    this.base = Math.min(this.base, heap); // V8 gave some back itself
    this.unusedBase = Math.min(this.unusedBase, unused);
    const settling = this.settling;
    this.settling = false;
    if (busy >= this.maxBusy) {
      this.busySince ||= !settling;
      return false;
    }
    const emptied = this.busySince && unused - this.unusedBase >= this.growthBytes;
    this.busySince = false;
    return heap - this.base >= this.growthBytes || emptied;
  }

  /** After a collection: the heap as it left it. */
  collected({ heap, unused }: Omit<HeapSample, 'busy'>): void {
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

export function collectWhenIdle({ everyMs = 1000, growthBytes = 32 << 20, maxBusy = 0.02 }: IdleCollectOptions = {}): IdleCollector {
  const gc = fullCollection();
  let collections = 0;
  const rule = new IdleRule({ ...heapNow(), busy: 0 }, growthBytes, maxBusy);
  let lastUse = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const use = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(use, lastUse).utilization;
    lastUse = use;
    if (!rule.due({ ...heapNow(), busy })) return;
    gc();
    collections++;
    rule.collected(heapNow());
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
