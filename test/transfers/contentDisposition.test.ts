/**
 * The Content-Disposition the storage server sends (made by the
 * content-disposition package): a plain ASCII `filename` that every client
 * reads, and `filename*` (RFC 8187) carrying a name outside US-ASCII.
 */
import type { TestService } from '../helpers/service';
import { startWithUsers } from '../helpers/users';
import { getBytes, mkdir, negotiate, push } from '../helpers/client';

const TAR = 'ivo://ivoa.net/vospace/core#tar';

let t: TestService;
let alice: string;

beforeAll(async () => ({ t, tokens: { alice } } = await startWithUsers({ alice: {} })));
afterAll(() => t?.close());

async function dispositionOfPull(nodePath: string): Promise<string> {
  const { endpoint } = await negotiate(t, alice, nodePath, 'pullFromVoSpace');
  const r = await getBytes(endpoint);
  expect(r.status).toBe(200);
  return r.headers.get('content-disposition') ?? '';
}

test('a name outside US-ASCII: a fallback filename and the exact name in filename*', async () => {
  await push(t, alice, 'alice/été 日本.bin', Buffer.from('bytes'));
  expect(await dispositionOfPull('alice/été 日本.bin')).toBe(`attachment; filename="?t? ??.bin"; filename*=UTF-8''%C3%A9t%C3%A9%20%E6%97%A5%E6%9C%AC.bin`);
});

test('quotes and backslashes in a name are escaped in the quoted filename', async () => {
  await push(t, alice, 'alice/say "hi".bin', Buffer.from('bytes'));
  expect(await dispositionOfPull('alice/say "hi".bin')).toBe('attachment; filename="say \\"hi\\".bin"');
});

test('the tar view of a container is named after it', async () => {
  await mkdir(t, alice, 'alice/données');
  await push(t, alice, 'alice/données/a.txt', Buffer.from('a'));
  const { endpoint } = await negotiate(t, alice, 'alice/données', 'pullFromVoSpace', { view: TAR });
  const r = await getBytes(endpoint);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-disposition')).toBe(`attachment; filename="donn?es.tar"; filename*=UTF-8''donn%C3%A9es.tar`);
});
