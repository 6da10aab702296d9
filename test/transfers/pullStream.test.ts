/**
 * Downloads of several MiB through the storage server, whose posix backend
 * reads them into chunks the response gives back once the socket has written
 * them (src/storage/fileChunks.ts, src/http/download.ts): the bytes of whole
 * files and of ranges across chunk boundaries, downloads at once of one file,
 * and a client that leaves part-way (its job fails, the file is let go, the
 * next download is whole).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { startTestService, type TestService } from '../helpers/service';
import { MiB, getBytes, negotiate, pull, push, sha256, sleep, waitFinal } from '../helpers/client';

let t: TestService;
let alice: string;
const bytes = randomBytes(5 * MiB + 7);
/**
 * For the client that leaves: more than loopback's socket buffers can take (here up to 32 MiB
 * received and 4 MiB sent), so the server cannot have handed the whole body to the kernel when the
 * client goes. With 5 MiB it sometimes had: the download then completed, rightly.
 */
const huge = randomBytes(64 * MiB);

beforeAll(async () => {
  t = await startTestService();
  alice = await t.user('alice');
  await push(t, alice, 'alice/big.bin', bytes);
  await push(t, alice, 'alice/huge.bin', huge);
});
afterAll(() => t?.close());

/** This process's open files that are stored objects (the service runs in it); none on s3. */
const openOnObject = async () => {
  const locations = await t.objects();
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      return locations.some((location) => target.endsWith(location));
    } catch {
      return false; // closed meanwhile
    }
  }).length;
};

test('a pull of 5 MiB gives every byte', async () => {
  expect(sha256(await pull(t, alice, 'alice/huge.bin'))).toBe(sha256(huge));
});

test('ranges across the 1 MiB chunks give their bytes', async () => {
  for (const [start, end] of [[MiB - 3, 3 * MiB + 2], [0, MiB], [2 * MiB, 2 * MiB], [4 * MiB + 1, bytes.length - 1]]) {
    const r = await getBytes(`${t.base}/files/alice/big.bin`, { token: alice, headers: { range: `bytes=${start}-${end}` } });
    expect(r.status).toBe(206);
    expect(r.body.equals(bytes.subarray(start, end + 1))).toBe(true);
  }
});

test('four downloads of one file at once each get every byte', async () => {
  const got = await Promise.all(Array.from({ length: 4 }, () => getBytes(`${t.base}/files/alice/big.bin`, { token: alice })));
  for (const r of got) {
    expect(r.status).toBe(200);
    expect(sha256(r.body)).toBe(sha256(bytes));
  }
});

test('a client that leaves after 1.5 MiB: its job fails, the file is let go, and the next pull is whole', async () => {
  const { id, endpoint } = await negotiate(t, alice, 'alice/huge.bin', 'pullFromVoSpace');
  const seen = await new Promise<number>((resolve, reject) => {
    http.get(endpoint, { agent: false }, (res) => {
      let n = 0;
      res.on('data', (d: Buffer) => {
        n += d.length;
        if (n >= 1.5 * MiB) {
          res.destroy();
          resolve(n);
        }
      });
      res.once('end', () => reject(new Error('the whole body came before the client left')));
    }).once('error', reject);
  });
  expect(seen).toBeLessThan(huge.length);
  const job = await waitFinal(t, alice, id);
  expect(job.phase).toBe('ERROR');
  for (let i = 0; i < 50 && (await openOnObject()) > 0; i++) await sleep(20);
  expect(await openOnObject()).toBe(0);
  expect(sha256(await pull(t, alice, 'alice/huge.bin'))).toBe(sha256(huge));
});
