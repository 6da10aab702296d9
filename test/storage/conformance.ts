/**
 * What every StorageBackend must do, run by posix.test.ts and s3.test.ts
 * (as tus-node-server runs one suite over all its stores). Bytes are checked
 * against an independent MD5; the 1 GiB case is generated as it streams.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StorageBackend } from '../../src/storage/backend';

export interface BackendUnderTest {
  backend: StorageBackend;
  /** Another instance on the same store: a restarted server. */
  reopen(): Promise<StorageBackend>;
}

const MiB = 1024 * 1024;

async function put(b: StorageBackend, jobId: string, data: Buffer, nodeId = 1): Promise<string> {
  const staged = await b.stage(jobId);
  await pipeline(Readable.from(chunks(data)), staged.stream);
  const { md5, size } = staged.stored();
  expect(size).toBe(data.length);
  expect(md5.toString('hex')).toBe(createHash('md5').update(data).digest('hex'));
  return b.commit(staged.ref, nodeId);
}

function* chunks(data: Buffer, size = 64 * 1024): Generator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function readAll(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** `total` bytes, different in every MiB, made as they are read. */
function generated(total: number): { stream: Readable; md5: () => string } {
  const base = randomBytes(MiB);
  const hash = createHash('md5');
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const chunk = Buffer.from(base.subarray(0, Math.min(MiB, total - sent)));
      chunk.writeUInt32BE(sent / MiB, 0);
      sent += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  let md5: string | undefined;
  return { stream, md5: () => (md5 ??= hash.digest('hex')) };
}

export function conformance(label: string, setup: () => Promise<BackendUnderTest>, teardown: () => Promise<void>): void {
  describe(`StorageBackend conformance: ${label}`, () => {
    let t: BackendUnderTest;
    let b: StorageBackend;
    beforeAll(async () => {
      t = await setup();
      b = t.backend;
    });
    afterAll(teardown);

    test('stage and commit: the bytes read back, with their MD5 and size', async () => {
      const data = randomBytes(3 * MiB + 17);
      const location = await put(b, 'job1', data, 7);
      expect(await b.size(location)).toBe(data.length);
      expect((await readAll(await b.read(location))).equals(data)).toBe(true);
      expect((await b.listStaged()).map((s) => s.jobId)).not.toContain('job1');
    });

    test('an object of several multipart parts and an empty one', async () => {
      const big = randomBytes(21 * MiB + 5);
      const l1 = await put(b, 'jobBig', big, 8);
      expect(createHash('md5').update(await readAll(await b.read(l1))).digest('hex')).toBe(createHash('md5').update(big).digest('hex'));
      const l2 = await put(b, 'jobEmpty', Buffer.alloc(0), 9);
      expect(await b.size(l2)).toBe(0);
      expect((await readAll(await b.read(l2))).length).toBe(0);
    });

    const storesWhole = (): StorageBackend['storeWhole'] => b.storeWhole?.bind(b);
    test('storeWhole, where a backend has it: the bytes read back, empty ones too, nothing left staged', async () => {
      const storeWhole = storesWhole();
      if (!storeWhole) return; // optional: the server stages and commits instead
      const data = randomBytes(64 * 1024);
      const location = await storeWhole('jobWhole', data, 11);
      expect((await readAll(await b.read(location))).equals(data)).toBe(true);
      const empty = await storeWhole('jobWholeEmpty', Buffer.alloc(0), 12);
      expect(empty).not.toBe(location);
      expect(await b.size(empty)).toBe(0);
      const staged = (await b.listStaged()).map((x) => x.jobId);
      expect(staged).not.toContain('jobWhole');
      expect(staged).not.toContain('jobWholeEmpty');
    });

    test('read with ranges: first bytes, middle, last byte', async () => {
      const data = randomBytes(1 * MiB + 100);
      const location = await put(b, 'jobRange', data);
      expect((await readAll(await b.read(location, { start: 0, end: 9 }))).equals(data.subarray(0, 10))).toBe(true);
      expect((await readAll(await b.read(location, { start: 1000, end: 600_000 }))).equals(data.subarray(1000, 600_001))).toBe(true);
      const last = data.length - 1;
      expect((await readAll(await b.read(location, { start: last, end: last }))).equals(data.subarray(last))).toBe(true);
    });

    test('a missing object cannot be read or sized; removing it is no error', async () => {
      const location = await put(b, 'jobGone', randomBytes(100));
      await b.remove(location);
      await expect(b.read(location)).rejects.toThrow();
      await expect(b.size(location)).rejects.toThrow();
      await expect(b.remove(location)).resolves.toBeUndefined();
    });

    test('names that leave the store are refused', async () => {
      await expect(b.read('../../etc/passwd')).rejects.toThrow(/invalid|escapes/);
      await expect(b.discard('../x')).rejects.toThrow(/invalid|escapes/);
    });

    test('copy: a new object with the same bytes, independent of its source', async () => {
      const data = randomBytes(2 * MiB + 3);
      const location = await put(b, 'jobCopy', data);
      const copied = await b.copy(location, 42);
      expect(copied).not.toBe(location);
      await b.remove(location);
      expect((await readAll(await b.read(copied))).equals(data)).toBe(true);
      expect(await b.size(copied)).toBe(data.length);
    });

    test('discard: a finished staged object and one cut mid-stream leave nothing staged', async () => {
      const done = await b.stage('jobDiscard1');
      await pipeline(Readable.from(chunks(randomBytes(MiB))), done.stream);
      expect((await b.listStaged()).map((s) => s.ref)).toContain(done.ref);
      await b.discard(done.ref);

      const cut = await b.stage('jobDiscard2');
      cut.stream.write(randomBytes(9 * MiB));
      await new Promise((ok) => setTimeout(ok, 200));
      cut.stream.on('error', () => undefined);
      cut.stream.destroy(new Error('client went away'));
      await b.discard(cut.ref);
      const refs = (await b.listStaged()).map((s) => s.ref);
      expect(refs).not.toContain(done.ref);
      expect(refs).not.toContain(cut.ref);
    });

    test('a commit of a staged object that is gone (discarded) fails: no location without its bytes', async () => {
      const staged = await b.stage('jobVanished');
      await pipeline(Readable.from(chunks(randomBytes(1000))), staged.stream);
      await b.discard(staged.ref);
      await expect(b.commit(staged.ref, 5)).rejects.toThrow();
    });

    test("crash leftovers: a restarted server finds them with their job ids and cleans them", async () => {
      const finished = await b.stage('jobCrash1');
      await pipeline(Readable.from(chunks(randomBytes(MiB))), finished.stream);
      const midway = await b.stage('jobCrash2');
      midway.stream.write(randomBytes(10 * MiB));
      await new Promise((ok) => setTimeout(ok, 500));
      const committed = await put(b, 'jobCrash3', randomBytes(1000));

      const after = await t.reopen();
      const staged = await after.listStaged();
      expect(staged).toEqual(expect.arrayContaining([{ ref: finished.ref, jobId: 'jobCrash1' }, { ref: midway.ref, jobId: 'jobCrash2' }]));
      expect(staged.map((s) => s.jobId)).not.toContain('jobCrash3');
      for (const s of staged.filter((x) => x.jobId.startsWith('jobCrash'))) await after.discard(s.ref);
      expect((await after.listStaged()).filter((s) => s.jobId.startsWith('jobCrash'))).toEqual([]);
      expect(await after.size(committed)).toBe(1000);
      midway.stream.destroy();
    });

    test('concurrent stages keep their bytes apart', async () => {
      const datas = [1, 2, 3, 4, 5, 6].map((n) => randomBytes(n * 700_000 + n));
      const locations = await Promise.all(datas.map((d, i) => put(b, `jobPar${i}`, d, 100 + i)));
      expect(new Set(locations).size).toBe(datas.length);
      for (const [i, l] of locations.entries()) expect((await readAll(await b.read(l))).equals(datas[i])).toBe(true);
    });

    test('free space is a number of bytes or unknown, never invented', async () => {
      const free = await b.freeSpace();
      if (free !== undefined) expect(free).toBeGreaterThan(0);
    });

    test('1 GiB streams in and out with flat memory and the right MD5', async () => {
      const GiB = 1024 * MiB;
      const src = generated(GiB);
      const staged = await b.stage('jobHuge');
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      try {
        await pipeline(src.stream, staged.stream);
        const stored = staged.stored();
        expect(stored.size).toBe(GiB);
        expect(stored.md5.toString('hex')).toBe(src.md5());
        const location = await b.commit(staged.ref, 77);
        expect(await b.size(location)).toBe(GiB);
        const back = createHash('md5');
        await pipeline(await b.read(location), new Writable({ write: (c: Buffer, _e, cb) => (back.update(c), cb()) }));
        expect(back.digest('hex')).toBe(src.md5());
        await b.remove(location);
      } finally {
        clearInterval(sampler);
      }
      // Upload buffers (parts in flight, worker batches) and read-ahead, not the object.
      expect(peak - before).toBeLessThan(256 * MiB);
    }, 600_000);
  });
}

