/**
 * Bearer tokens through GraphQL, used over REST, GraphQL and graphql-ws, on
 * real sockets: a user's own tokens and an administrator's view of anyone's,
 * with the permission faults; a revoked token refused at once by the process
 * that revoked it, and within the cache time (5 s) by another process on the
 * same database (PostgreSQL); an expiring token refused from the moment it
 * expires, however recently it was used.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { deleteToken } from '../../src/db/tokenStore';
import { startService, type RunningService } from '../../src/server';
import { TEST_ROOT, usePg } from '../helpers/db';
import { request } from '../helpers/http';
import type { TestService } from '../helpers/service';
import { startWithUsers } from '../helpers/users';
import { codes, expectCode, gql, gqlOk } from '../helpers/gql';

const FIELDS = 'id user label created expires lastUsed';
const TOKENS = `query($user: String) { tokens(user: $user) { ${FIELDS} } }`;
const CREATE = `mutation($user: String, $label: String, $expiresIn: Int) {
  createToken(user: $user, label: $label, expiresIn: $expiresIn) { ${FIELDS} token } }`;
const REVOKE = `mutation($id: ID!) { revokeToken(id: $id) }`;
const REVOKE_ALL = `mutation($user: String) { revokeAllTokens(user: $user) }`;
const ME = `{ me { name } }`;

interface TokenOut {
  id: string;
  user: string;
  label: string | null;
  created: string;
  expires: string | null;
  lastUsed: string | null;
}
type NewTokenOut = TokenOut & { token: string };

let t: TestService;
let root: string;
let alice: string;
let bob: string;

beforeAll(async () => ({ t, tokens: { root, alice, bob } } = await startWithUsers({ root: { admin: true }, alice: {}, bob: {} })));
afterAll(() => t?.close());

const create = async (token: string, vars: { user?: string; label?: string; expiresIn?: number } = {}) =>
  (await gqlOk<{ createToken: NewTokenOut }>(t, CREATE, vars, token)).createToken;
const list = async (token: string, user?: string) => (await gqlOk<{ tokens: TokenOut[] }>(t, TOKENS, { user }, token)).tokens;

/** The status of a REST read of the caller's own home, and the fault name of a refusal. */
async function restAs(token: string, home: string): Promise<string> {
  const r = await request('GET', `${t.base}/nodes/${home}`, { token });
  return r.status === 200 ? '200' : `${r.status} ${r.text.split(':')[0]}`;
}

/** Who GraphQL takes the caller for, or the HTTP status and fault of a refusal. */
async function gqlAs(token: string): Promise<string> {
  const r = await gql(t, ME, {}, token);
  return r.status === 200 && !r.errors ? String(r.data.me?.name) : `${r.status} ${codes(r).join(',')}`;
}

/** The message of the one error, of this code, an operation must fail with. */
const refusal = async (query: string, vars: Record<string, unknown>, token: string | null, code: string) =>
  (await expectCode(t, query, vars, token, code)).errors![0].message;

describe('a user and their own tokens', () => {
  test('createToken makes a token for the caller, shown once; tokens lists it without the token, with its last use', async () => {
    const before = Date.now();
    const made = await create(alice, { label: 'laptop', expiresIn: 3600 });
    expect(made.token).toMatch(/^vos_[A-Za-z0-9_-]{43}$/);
    expect(made).toEqual({ id: expect.any(String), user: 'alice', label: 'laptop', created: expect.any(String), expires: expect.any(String), lastUsed: null, token: made.token });
    expect(Date.parse(made.created)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(made.expires!) - Date.parse(made.created)).toBeGreaterThan(3_598_000);
    expect(Date.parse(made.expires!) - Date.parse(made.created)).toBeLessThan(3_602_000);

    const r = await gql(t, TOKENS, {}, alice);
    const mine = (r.data as { tokens: TokenOut[] }).tokens;
    // The token t.user made first, then this one; neither the token nor its hash is anywhere in the answer.
    expect(mine.map((x) => [x.user, x.label])).toEqual([['alice', null], ['alice', 'laptop']]);
    expect(mine[1]).toEqual({ ...made, token: undefined });
    expect(r.text).not.toContain(made.token);
    expect(r.text).not.toContain(createHash('sha256').update(made.token).digest('hex'));
    expect(codes(await gql(t, '{ tokens { token } }', {}, alice))).toEqual(['GRAPHQL_VALIDATION_FAILED']);

    // It works, and its use is recorded.
    const used = Date.now();
    expect(await restAs(made.token, 'alice')).toBe('200');
    const after = (await list(alice)).find((x) => x.id === made.id)!;
    expect(after.lastUsed).not.toBeNull();
    expect(Date.parse(after.lastUsed!)).toBeGreaterThanOrEqual(used - 1000);
    expect(Date.parse(after.lastUsed!)).toBeLessThanOrEqual(Date.now() + 1000);
  });

  test('looking a token up (and recording its use) is one SQL statement', async () => {
    t.running.svc.tokens.forget();
    const sql: string[] = [];
    const listen = (q: { sql: string }) => sql.push(q.sql);
    t.running.svc.db.on('query', listen);
    try {
      expect(await gqlAs(alice)).toBe('alice'); // `me` reads nothing but the identity
    } finally {
      t.running.svc.db.removeListener('query', listen);
    }
    expect(sql).toHaveLength(1);
    expect(sql[0]).toMatch(/UPDATE tokens SET last_used_at/);
  });

  test('a revoked token is refused at once by the process that revoked it: REST, GraphQL and a new WebSocket', async () => {
    const { token, id } = await create(alice, { label: 'phone' });
    // In use (and so in this process's cache) right before the revoke.
    expect([await restAs(token, 'alice'), await gqlAs(token)]).toEqual(['200', 'alice']);

    // A token may revoke itself (signing out).
    expect(await gqlOk(t, REVOKE, { id }, token)).toEqual({ revokeToken: true });
    expect([await restAs(token, 'alice'), await gqlAs(token)]).toEqual(['401 InvalidToken', '401 InvalidToken']);
    const ws = createClient({ url: `${t.origin.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
    try {
      const err: any = await ws.iterate({ query: ME }).next().then(() => null, (e) => e);
      expect({ code: err?.code, reason: String(err?.reason).split(':')[0] }).toEqual({ code: 4403, reason: 'InvalidToken' });
    } finally {
      await ws.dispose();
    }
    expect((await list(alice)).map((x) => x.id)).not.toContain(id);
    // Revoked once: the second time there is nothing to revoke.
    expect(await refusal(REVOKE, { id }, alice, 'NodeNotFound')).toBe(`NodeNotFound: no token ${id} among yours`);
    expect(await gqlAs(alice)).toBe('alice');
  });

  test('a lookup in flight while a revoke forgets the cache does not put the token back in it', async () => {
    const { token, id } = await create(alice, { label: 'race' });
    const auth = t.running.svc.tokens;
    // The order a revoke can meet a request in: the request's lookup reads the token while it is live, the
    // revoke deletes it and forgets the cache, then the lookup's answer arrives. The delete comes last here,
    // without a forget of its own, so that the order is certain.
    const pending = auth.authenticate(`Bearer ${token}`);
    auth.forget();
    expect((await pending).name).toBe('alice');
    expect(await deleteToken(t.running.svc.db, Number(id))).toBe(true);
    expect(await restAs(token, 'alice')).toBe('401 InvalidToken');
  });

  test('an operation over an open WebSocket is refused once the token it connected with is revoked', async () => {
    const { token, id } = await create(alice, { label: 'socket' });
    // Not lazy: the socket stays open between operations, instead of closing after each and connecting anew.
    const ws: Client = createClient({ url: `${t.origin.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, connectionParams: { authorization: `Bearer ${token}` } });
    let connections = 0;
    ws.on('connected', () => connections++);
    const once = () =>
      new Promise<unknown>((resolve) => {
        let result: unknown;
        ws.subscribe({ query: ME }, { next: (r) => (result = r), error: (e) => resolve({ error: e }), complete: () => resolve(result) });
      });
    try {
      expect(await once()).toEqual({ data: { me: { name: 'alice' } } });
      await gqlOk(t, REVOKE, { id }, alice);
      const refused = (await once()) as { error: { message: string; extensions?: { code?: string } }[] };
      expect(refused.error.map((e) => e.extensions?.code)).toEqual(['InvalidToken']);
      expect(connections).toBe(1);
    } finally {
      await ws.dispose();
    }
  });

  test('revokeAllTokens revokes every token of the caller, the one it was sent with too', async () => {
    const carol = await t.user('carol');
    const other = (await create(carol)).token;
    expect(await gqlAs(other)).toBe('carol');
    expect(await gqlOk(t, REVOKE_ALL, {}, carol)).toEqual({ revokeAllTokens: 2 });
    expect([await gqlAs(carol), await gqlAs(other), await restAs(other, 'carol')]).toEqual(['401 InvalidToken', '401 InvalidToken', '401 InvalidToken']);
    expect(await list(root, 'carol')).toEqual([]);
    // Other users' tokens are untouched.
    expect(await gqlAs(alice)).toBe('alice');
  });
});

describe("other users' tokens", () => {
  test('a user may not list, make or revoke all of another user’s tokens (PermissionDenied, whether the user exists or not)', async () => {
    for (const user of ['alice', 'nobody']) {
      for (const [query, vars] of [[TOKENS, { user }], [CREATE, { user }], [REVOKE_ALL, { user }]] as const) {
        expect(await refusal(query, vars, bob, 'PermissionDenied')).toBe("PermissionDenied: only an administrator may manage another user's tokens");
      }
    }
    // Naming yourself is the same as naming no one.
    expect((await list(bob, 'bob')).map((x) => x.user)).toEqual(['bob']);
  });

  test("revoking another user's token answers as for a token that does not exist, and leaves it working", async () => {
    const theirs = await create(alice, { label: 'target' });
    const missing = String(Number(theirs.id) + 1000);
    expect(await refusal(REVOKE, { id: theirs.id }, bob, 'NodeNotFound')).toBe(`NodeNotFound: no token ${theirs.id} among yours`);
    expect(await refusal(REVOKE, { id: missing }, bob, 'NodeNotFound')).toBe(`NodeNotFound: no token ${missing} among yours`);
    expect(await gqlAs(theirs.token)).toBe('alice');
    expect((await list(alice)).map((x) => x.id)).toContain(theirs.id);
  });

  test('anonymous callers have no tokens: every token operation is PermissionDenied', async () => {
    const { id } = await create(alice, { label: 'anon-target' });
    for (const [query, vars] of [[TOKENS, {}], [TOKENS, { user: 'alice' }], [CREATE, {}], [REVOKE, { id }], [REVOKE_ALL, {}], [REVOKE_ALL, { user: 'alice' }]] as const) {
      await refusal(query, vars, null, 'PermissionDenied');
    }
    expect((await list(alice)).map((x) => x.id)).toContain(id);
  });

  test('administrators list, make and revoke anyone’s tokens', async () => {
    const made = await create(root, { user: 'alice', label: 'by root', expiresIn: 60 });
    expect(made.user).toBe('alice');
    expect(await gqlAs(made.token)).toBe('alice');
    expect((await list(root, 'alice')).find((x) => x.id === made.id)).toEqual({ ...made, token: undefined, lastUsed: expect.any(String) });
    expect(await gqlOk(t, REVOKE, { id: made.id }, root)).toEqual({ revokeToken: true });
    expect(await gqlAs(made.token)).toBe('401 InvalidToken');

    const dave = await t.user('dave');
    await create(dave);
    expect(await gqlOk(t, REVOKE_ALL, { user: 'dave' }, root)).toEqual({ revokeAllTokens: 2 });
    expect(await gqlAs(dave)).toBe('401 InvalidToken');

    expect(await refusal(TOKENS, { user: 'nobody' }, root, 'NodeNotFound')).toBe("NodeNotFound: no user 'nobody'");
    expect(await refusal(CREATE, { user: 'nobody' }, root, 'NodeNotFound')).toBe("NodeNotFound: no user 'nobody'");
    expect(await refusal(REVOKE, { id: '2000000000' }, root, 'NodeNotFound')).toBe('NodeNotFound: no token 2000000000');
    // An administrator's own tokens, by default.
    expect((await list(root)).map((x) => x.user)).toEqual(['root']);
  });
});

describe('bad input', () => {
  test.each([['abc'], ['0'], ['-1'], ['1.5'], ['01'], [' 1'], ['2147483648'], ['99999999999999999999']])('revokeToken(id: %j) is InvalidArgument', async (id) => {
    expect(await refusal(REVOKE, { id }, alice, 'InvalidArgument')).toBe(`InvalidArgument: '${id}' is not a token id`);
  });

  test('a lifetime must be a positive whole number of seconds, a label at most 256 characters', async () => {
    for (const expiresIn of [0, -5]) {
      expect(await refusal(CREATE, { expiresIn }, alice, 'InvalidArgument')).toMatch(/^InvalidArgument: a token's lifetime must be a whole number of seconds/);
    }
    expect(await refusal(CREATE, { label: 'x'.repeat(257) }, alice, 'InvalidArgument')).toBe('InvalidArgument: a token label may be at most 256 characters');
    expect((await create(alice, { label: 'x'.repeat(256) })).label).toHaveLength(256);
  });
});

describe('expiry', () => {
  test('a token used again and again right up to its expiry is refused from that moment (not up to 5 s later)', async () => {
    const { token, expires } = await create(alice, { expiresIn: 2 });
    const end = Date.parse(expires!);
    const seen: { start: number; done: number; status: string }[] = [];
    while (Date.now() < end + 800) {
      const start = Date.now();
      const status = await restAs(token, 'alice');
      seen.push({ start, done: Date.now(), status });
      await new Promise((r) => setTimeout(r, 20));
    }
    const before = seen.filter((s) => s.done < end - 50);
    const after = seen.filter((s) => s.start >= end + 100);
    expect(before.length).toBeGreaterThan(10);
    expect(after.length).toBeGreaterThan(5);
    expect(before.filter((s) => s.status !== '200')).toEqual([]);
    expect(after.filter((s) => s.status !== '401 InvalidToken')).toEqual([]);
  });
});

(usePg ? describe : describe.skip)('another process on the same database (PostgreSQL)', () => {
  let second: RunningService | undefined;
  afterAll(() => second?.close());

  test('refuses a revoked token within the cache time (5 s), having accepted it just before the revoke', async () => {
    const space = { ...t.config.space, port: 0, adminSocket: path.join(TEST_ROOT, `admin-second-${process.pid}-${Date.now()}.sock`) };
    second = await startService({ ...t.config, space }, { storage: false });
    const secondAs = async (token: string) => {
      const r = await request('GET', `${second!.url}/nodes/alice`, { token });
      return r.status === 200 ? '200' : `${r.status} ${r.text.split(':')[0]}`;
    };
    const { token, id } = await create(alice, { label: 'two processes' });
    expect(await secondAs(token)).toBe('200');

    const revoked = Date.now();
    await gqlOk(t, REVOKE, { id }, alice);
    expect(await restAs(token, 'alice')).toBe('401 InvalidToken');
    let refusedAfter: number | undefined;
    const statuses: string[] = [];
    while (Date.now() - revoked < 7000) {
      const status = await secondAs(token);
      statuses.push(status);
      if (status !== '200') {
        refusedAfter = Date.now() - revoked;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(statuses[statuses.length - 1]).toBe('401 InvalidToken');
    expect(refusedAfter).toBeLessThanOrEqual(5300);
  }, 30_000);
});
