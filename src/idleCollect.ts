/**
 * Gives the heap's garbage back once the process goes idle. Under load V8
 * grows its heap and keeps what it grew until its memory reducer runs, which
 * only a collection sets going: ~30 s after the load with /metrics scraped
 * every 2 s, not within 40 s in an idle script. At the end of `npm run
 * bench` the embedded service held ~300 MiB, its heap 162 MiB of which
 * 42 MiB live. Here a check every second (no work per
 * request): when the heap has grown by `growthBytes` since the last
 * collection and the event loop was busy for less than `maxBusy` of the last
 * period, one full collection runs (tens of ms, when nothing waits) and V8
 * returns the freed pages: 296 → 264 MiB within 5 s of the bench's end, and
 * the memory reducer this collection sets going took it to 187 MiB ~20 s
 * later. Under steady load it never runs; V8's own collector works then.
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
  const timer = setInterval(() => {
    const use = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(use, lastUse).utilization;
    lastUse = use;
    const heap = heapBytes();
    base = Math.min(base, heap); // V8 gave some back itself
    if (busy >= maxBusy || heap - base < growthBytes) return;
    gc();
    collections++;
    base = heapBytes();
  }, everyMs);
  timer.unref();
  return {
    get collections() {
      return collections;
    },
    stop: () => clearInterval(timer),
  };
}
