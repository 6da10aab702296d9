/**
 * Gives the heap's garbage back once the process goes idle. Under load V8
 * grows its heap and keeps what it grew until its memory reducer runs, which
 * only a collection sets going: ~30 s after the load with /metrics scraped
 * every 2 s, not within 40 s in an idle script. At the end of `npm run
 * bench` the embedded service held ~300 MiB, its heap 162 MiB of which
 * 42 MiB live. Here a check every second (no work per
 * request): when the event loop was busy for less than `maxBusy` of the last
 * period, and the heap has grown by `growthBytes` since the last collection,
 * or, the first time after a busy spell, holds `growthBytes` more than it
 * uses, one full collection runs (tens of ms, when nothing waits) and V8
 * returns the freed pages: 296 → 264 MiB within 5 s of the bench's end, and
 * the memory reducer this collection sets going took it to 187 MiB ~20 s
 * later. Under steady load it never runs; V8's own collector works then.
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

const heapBytes = () => v8.getHeapStatistics().total_heap_size;
const unusedBytes = () => {
  const h = v8.getHeapStatistics();
  return h.total_heap_size - h.used_heap_size;
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
  let base = heapBytes();
  let lastUse = performance.eventLoopUtilization();
  // Busy since the last look: the unused heap is looked at once per idle spell, so a heap whose unused
  // share a collection cannot shrink (fragments, the young generation) is not collected again and again.
  let busySince = false;
  // The period right after a collection: what V8 does to finish it (sweeping, freeing buffers) is no load.
  let afterCollection = false;
  const timer = setInterval(() => {
    const use = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(use, lastUse).utilization;
    lastUse = use;
    const heap = heapBytes();
    base = Math.min(base, heap); // V8 gave some back itself
    const settling = afterCollection;
    afterCollection = false;
    if (busy >= maxBusy) {
      busySince ||= !settling;
      return;
    }
    const unused = busySince && unusedBytes() >= growthBytes;
    busySince = false;
    if (heap - base < growthBytes && !unused) return;
    gc();
    collections++;
    base = heapBytes();
    // The collection's own time is no load: the next period is measured from its end.
    lastUse = performance.eventLoopUtilization();
    afterCollection = true;
  }, everyMs);
  timer.unref();
  return {
    get collections() {
      return collections;
    },
    stop: () => clearInterval(timer),
  };
}
