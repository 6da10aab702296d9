/**
 * A tar download's file chunks go back to the file being packed once the
 * socket has written them (storage-server/tarView.ts givingBack, through
 * src/http/download.ts pipeBody), as a plain download's do: a large file is
 * read into the same few buffers, and the archive still holds every byte.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack as tarPack } from 'tar-stream';
import { pipeBody } from '../../src/http/download';
import { FileChunks } from '../../src/storage/fileChunks';
import { givingBack, type PackedFile } from '../../storage-server/tarView';

const CHUNK = 64 * 1024;
let dir: string;
const files = [
  { name: 'big', data: randomBytes(40 * CHUNK + 5) },
  { name: 'small', data: randomBytes(1000) },
  { name: 'next', data: randomBytes(12 * CHUNK) },
];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tarchunks-'));
  for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.data);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A socket stand-in that is done with each chunk a moment after taking it, and keeps a copy. */
function sink() {
  const copies: Buffer[] = [];
  const spaces: ArrayBufferLike[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      copies.push(Buffer.from(chunk));
      spaces.push(chunk.buffer);
      setImmediate(done);
    },
  });
  return { out, copies, spaces };
}

async function packFiles(givesBack: boolean) {
  const packed: PackedFile = {};
  const plain = tarPack();
  const pack = givesBack ? givingBack(plain, packed) : plain;
  const { out, copies, spaces } = sink();
  const packing = (async () => {
    for (const f of files) {
      const bytes = new FileChunks(await fsp.open(path.join(dir, f.name), 'r'), CHUNK, { end: f.data.length - 1 });
      packed.stream = bytes;
      await pipeline(bytes, pack.entry({ name: f.name, size: f.data.length }));
    }
    pack.finalize();
  })();
  const sent = await pipeBody(pack, out);
  await packing;
  const archive = Buffer.concat(copies);
  return { archive, sent, chunkSpaces: new Set(spaces.filter((s) => s.byteLength === CHUNK)).size };
}

async function entriesOf(archive: Buffer): Promise<Map<string, Buffer>> {
  const got = new Map<string, Buffer>();
  const x = extract();
  x.on('entry', (header, stream, next) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: unknown) => parts.push(c as Buffer));
    stream.on('end', () => {
      got.set(header.name, Buffer.concat(parts));
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => x.on('finish', () => resolve()).on('error', reject));
  x.end(archive);
  await done;
  return got;
}

test('the chunks of a large file are read into the same few buffers, and the archive holds every byte', async () => {
  const { archive, sent, chunkSpaces } = await packFiles(true);
  expect(sent).toBe(archive.length);
  const got = await entriesOf(archive);
  for (const f of files) expect(got.get(f.name)?.equals(f.data)).toBe(true);
  // 52 whole chunks in all; each file's stream keeps at most four buffers to read into again
  expect(chunkSpaces).toBeLessThanOrEqual(8);
});

test('without giving back, every chunk is a buffer of its own (what the test above guards against)', async () => {
  const { archive, chunkSpaces } = await packFiles(false);
  const got = await entriesOf(archive);
  for (const f of files) expect(got.get(f.name)?.equals(f.data)).toBe(true);
  expect(chunkSpaces).toBe(52);
});
