/** Scrapes a /metrics endpoint over HTTP and reads its Prometheus text into samples. */
import { request } from './http';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a Prometheus text exposition (comments skipped); a line of another shape fails the test. */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(LABEL)].map((l) => [l[1], l[2]]));
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

export class Scrape {
  constructor(readonly samples: Sample[]) {}

  /** The value of the one sample of `name` whose labels include `labels`; 0 when there is none. */
  value(name: string, labels: Record<string, string> = {}): number {
    const found = this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
    return found[0]?.value ?? 0;
  }

  has(name: string): boolean {
    return this.samples.some((s) => s.name === name);
  }

  /** The label values `label` takes in the samples of `name`. */
  labelValues(name: string, label: string): Set<string> {
    return new Set(this.samples.filter((s) => s.name === name).map((s) => s.labels[label]));
  }
}

/** GET `url` (…/metrics); expects 200 and the Prometheus text type. */
export async function scrape(url: string, token?: string): Promise<Scrape> {
  const r = await request('GET', url, { token });
  if (r.status !== 200) throw new Error(`GET ${url} → ${r.status} ${r.text}`);
  expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return new Scrape(parseExposition(r.text));
}

/** The number of requests the histogram counted for an operation and status. */
export const requests = (s: Scrape, operation: string, status: number) =>
  s.value('vospace_http_request_duration_seconds_count', { operation, status: String(status) });
