/**
 * FileChunks (src/storage/fileChunks.ts), on real files: the bytes and ranges
 * it gives, chunks given back being read into again (and only those), and
 * its file handle closed when it ends or is destroyed.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileChunks } from '../../src/storage/fileChunks';

const CHUNK = 64 * 1024;
let dir: string;
let file: string;
const data = randomBytes(3 * CHUNK + 1234);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filechunks-'));
  file = path.join(dir, 'blob');
  fs.writeFileSync(file, data);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function open(range?: { start?: number; end?: number }) {
  const fh = await fsp.open(file, 'r');
  return { fh, chunks: new FileChunks(fh, CHUNK, range) };
}

test('a consumer that gives each chunk back gets every byte, read into the same few buffers', async () => {
  const { chunks } = await open();
  const copies: Buffer[] = [];
  const spaces = new Set<ArrayBufferLike>();
  for await (const c of chunks as AsyncIterable<Buffer>) {
    copies.push(Buffer.from(c));
    spaces.add(c.buffer);
    chunks.release(c);
  }
  expect(Buffer.concat(copies).equals(data)).toBe(true);
  expect(copies.length).toBe(4);
  // the stream reads one chunk ahead: two buffers take turns
  expect(spaces.size).toBeLessThanOrEqual(2);
});

test('chunks not given back are never read into again: each keeps its bytes', async () => {
  const { chunks } = await open();
  const kept: Buffer[] = [];
  for await (const c of chunks as AsyncIterable<Buffer>) kept.push(c);
  expect(new Set(kept.map((c) => c.buffer)).size).toBe(kept.length);
  expect(Buffer.concat(kept).equals(data)).toBe(true);
});

test('a buffer that is not one of its chunks is not taken for reuse', async () => {
  const { chunks } = await open();
  const foreign = Buffer.alloc(CHUNK, 7);
  const kept: Buffer[] = [];
  for await (const c of chunks as AsyncIterable<Buffer>) {
    chunks.release(foreign);
    kept.push(c);
  }
  expect(kept.every((c) => c.buffer !== foreign.buffer)).toBe(true);
  expect(foreign.every((b) => b === 7)).toBe(true);
  expect(Buffer.concat(kept).equals(data)).toBe(true);
});

test('a range across chunk boundaries (end inclusive, as fs streams), and a range of one byte', async () => {
  const read = async (range: { start?: number; end?: number }) => {
    const { chunks } = await open(range);
    const out: Buffer[] = [];
    for await (const c of chunks as AsyncIterable<Buffer>) {
      out.push(Buffer.from(c));
      chunks.release(c);
    }
    return Buffer.concat(out);
  };
  expect((await read({ start: CHUNK - 10, end: 2 * CHUNK + 10 })).equals(data.subarray(CHUNK - 10, 2 * CHUNK + 11))).toBe(true);
  expect((await read({ start: data.length - 1, end: data.length - 1 })).equals(data.subarray(data.length - 1))).toBe(true);
  expect((await read({ start: 5 })).equals(data.subarray(5))).toBe(true);
  // a range past the end of the file gives what there is
  expect((await read({ start: 3 * CHUNK, end: 10 * CHUNK })).equals(data.subarray(3 * CHUNK))).toBe(true);
});

test('the file handle is closed at the end, and when the stream is destroyed half-way', async () => {
  const whole = await open();
  for await (const c of whole.chunks as AsyncIterable<Buffer>) whole.chunks.release(c);
  expect(whole.fh.fd).toBe(-1);

  const half = await open();
  for await (const c of half.chunks as AsyncIterable<Buffer>) {
    half.chunks.release(c);
    break; // leaving the loop destroys the stream
  }
  await new Promise((r) => (half.chunks.closed ? r(null) : half.chunks.once('close', r)));
  expect(half.fh.fd).toBe(-1);
});

test('a read that fails destroys the stream with the error', async () => {
  const { fh, chunks } = await open();
  await fh.close(); // the next read fails with EBADF
  await expect((async () => {
    for await (const c of chunks as AsyncIterable<Buffer>) chunks.release(c);
  })()).rejects.toThrow(/EBADF|closed/);
});

test('what is left to read decides a new buffer\'s size: a small read does not take a whole chunk', async () => {
  const { chunks } = await open({ end: 999 });
  const got: Buffer[] = [];
  for await (const c of chunks as AsyncIterable<Buffer>) got.push(c);
  expect(got.map((c) => [c.length, c.buffer.byteLength])).toEqual([[1000, 1000]]);

  // not given back: the last read, of 100 bytes, gets a buffer of its own of that size
  const tail = (await open({ start: 0, end: CHUNK + 99 })).chunks;
  const kept: Buffer[] = [];
  for await (const c of tail as AsyncIterable<Buffer>) kept.push(c);
  expect(kept.map((c) => c.buffer.byteLength)).toEqual([CHUNK, 100]);
  expect(Buffer.concat(kept).equals(data.subarray(0, CHUNK + 100))).toBe(true);
});
