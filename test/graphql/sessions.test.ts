/**
 * Signing in to the portal over real sockets: the session cookie and its
 * attributes (Secure over TLS and behind a trusted proxy), `session` and `me`
 * by cookie, the CSRF rule for mutations by cookie beside Apollo's own CSRF
 * prevention, signing out, one answer for every wrong sign-in, the failure
 * limits per name and per address, setPassword and setAdmin, an expired
 * session, and graphql-ws by cookie. The service trusts a proxy on loopback,
 * so each test picks its client address with X-Forwarded-For.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { OPERATOR } from '../../src/auth/identity';
import { setPassword } from '../../src/services/passwords';
import { request, type Reply } from '../helpers/http';
import { startTestService, type TestService } from '../helpers/service';
import { gqlOk, type GqlError } from '../helpers/gql';

const SIGN_IN = `mutation($name: String!, $password: String!) { signIn(name: $name, password: $password) { user { name admin groups } csrfToken expires } }`;
const SIGN_OUT = `mutation { signOut }`;
const SESSION = `{ session { user { name admin groups } csrfToken expires } }`;
const ME = `{ me { name admin } }`;
const SET_PASSWORD = `mutation($user: String!, $password: String!, $current: String) { setPassword(user: $user, password: $password, currentPassword: $current) }`;
const SET_ADMIN = `mutation($user: String!, $admin: Boolean!) { setAdmin(user: $user, admin: $admin) { name admin } }`;
const CREATE_TOKEN = `mutation { createToken(label: "by cookie") { user } }`;
const WRONG = 'PermissionDenied: wrong user name or password';
const CSRF = 'PermissionDenied: missing or wrong CSRF token';
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

let t: TestService;
let root: string;
let bob: string;
let lastAddress = 0;
/** A client address of its own (through the trusted proxy): the failure limits of one test do not reach another. */
const newAddress = () => `10.0.${Math.floor(++lastAddress / 250)}.${(lastAddress % 250) + 1}`;

beforeAll(async () => {
  t = await startTestService({ parameters: { trust_proxy: 'loopback' } });
  root = await t.user('root', { admin: true });
  await t.user('alice', { groups: ['astro'] });
  bob = await t.user('bob');
  await t.user('nopass');
  for (const name of ['root', 'alice', 'bob']) await setPassword(t.running.svc, OPERATOR, name, `${name}-password`);
});
afterAll(() => t?.close());

interface Call {
  cookie?: string;
  csrf?: string;
  token?: string;
  address?: string;
  headers?: Record<string, string>;
}

interface Answer {
  reply: Reply;
  data: any;
  errors: GqlError[] | undefined;
}

/** One GraphQL operation over HTTP, with a cookie, a CSRF header, a bearer token and a client address as asked. */
async function call(query: string, variables: Record<string, unknown> = {}, c: Call = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-forwarded-for': c.address ?? newAddress(), ...c.headers };
  if (c.cookie) headers.cookie = `vospace_session=${c.cookie}`;
  if (c.csrf !== undefined) headers['x-csrf-token'] = c.csrf;
  const reply = await request('POST', `${t.origin}/graphql`, { token: c.token, headers, body: JSON.stringify({ query, variables }) });
  const body = JSON.parse(reply.text);
  return { reply, data: body.data, errors: body.errors };
}

interface SignedIn {
  cookie: string;
  csrf: string;
  setCookie: string;
  session: { user: { name: string; admin: boolean; groups: string[] }; csrfToken: string; expires: string };
}

async function signIn(name: string, password = `${name}-password`, c: Call = {}): Promise<SignedIn> {
  const a = await call(SIGN_IN, { name, password }, c);
  if (a.errors) throw new Error(`sign-in of ${name} failed: ${a.reply.text}`);
  const setCookie = a.reply.headers.get('set-cookie') ?? '';
  const cookie = /^vospace_session=([^;]*)/.exec(setCookie)?.[1] ?? '';
  return { cookie, csrf: a.data.signIn.csrfToken, setCookie, session: a.data.signIn };
}

/** The one error of a refused operation: code, message and the status in its extensions. */
const refusal = (a: Answer) => ({ errors: a.errors?.map((e) => ({ code: e.extensions?.code, status: e.extensions?.status, message: e.message })), data: a.data });
const refused = (code: string, status: number, message: string | RegExp) => ({ errors: [{ code, status, message }], data: null });
/** The CSRF refusal comes before the operation runs: HTTP 403, and no data at all. */
const csrfRefused = { ...refused('PermissionDenied', 403, CSRF), data: undefined };

const whoAmI = async (c: Call) => (await call(ME, {}, c)).data?.me?.name ?? null;

describe('the cookie', () => {
  test('signIn answers the session and sets an HttpOnly, SameSite=Strict cookie for /, ending with the session, not Secure over plain HTTP', async () => {
    const before = Date.now();
    const s = await signIn('alice');
    expect(s.session).toEqual({ user: { name: 'alice', admin: false, groups: ['astro'] }, csrfToken: expect.stringMatching(COOKIE_VALUE), expires: expect.any(String) });
    expect(s.cookie).toMatch(COOKIE_VALUE);
    const attrs = s.setCookie.split(/;\s*/).slice(1);
    expect(attrs.map((a) => a.split('=')[0]).sort()).toEqual(['Expires', 'HttpOnly', 'Path', 'SameSite']);
    expect(attrs).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict']));
    // Twelve hours (session_hours' default) from the sign-in, in the answer and in the cookie alike.
    const expires = Date.parse(s.session.expires);
    expect(expires - before).toBeGreaterThan(12 * 3600_000 - 5000);
    expect(expires - Date.now()).toBeLessThanOrEqual(12 * 3600_000 + 1000);
    expect(Math.abs(Date.parse(attrs.find((a) => a.startsWith('Expires='))!.slice(8)) - expires)).toBeLessThan(1000);

    // Stored only as its hash, beside the CSRF token.
    const rows = await t.running.svc.db('sessions').select('token_hash', 'csrf_token');
    expect(rows).toContainEqual({ token_hash: createHash('sha256').update(s.cookie).digest('hex'), csrf_token: s.csrf });
    expect(JSON.stringify(rows)).not.toContain(s.cookie);
  });

  test('the cookie is Secure when a trusted proxy says the client used https', async () => {
    const s = await signIn('alice', undefined, { headers: { 'x-forwarded-proto': 'https' } });
    expect(s.setCookie.split(/;\s*/)).toContain('Secure');
    const out = await call(SIGN_OUT, {}, { cookie: s.cookie, csrf: s.csrf, headers: { 'x-forwarded-proto': 'https' } });
    expect(out.reply.headers.get('set-cookie')).toMatch(/^vospace_session=; .*Secure/);
  });

  test('session and me answer by cookie; without one, or with a bad or unknown one, the caller is anonymous and nothing fails', async () => {
    const s = await signIn('alice');
    expect((await call(SESSION, {}, { cookie: s.cookie })).data.session).toEqual(s.session);
    expect(await whoAmI({ cookie: s.cookie })).toBe('alice');
    for (const cookie of [undefined, 'not a token', 'A'.repeat(43)]) {
      const a = await call(`{ session { csrfToken } me { name } }`, {}, { cookie });
      expect({ cookie, status: a.reply.status, errors: a.errors, data: a.data }).toEqual({ cookie, status: 200, errors: undefined, data: { session: null, me: null } });
    }
  });

  test('a bearer token wins over the cookie, and then there is no session and no CSRF rule', async () => {
    const s = await signIn('alice');
    const a = await call(`{ session { csrfToken } me { name } }`, {}, { cookie: s.cookie, token: bob });
    expect(a.data).toEqual({ session: null, me: { name: 'bob' } });
    expect((await call(CREATE_TOKEN, {}, { cookie: s.cookie, token: bob })).data).toEqual({ createToken: { user: 'bob' } });
  });
});

describe('CSRF', () => {
  test('a mutation by cookie needs X-CSRF-Token equal to the session\'s: missing or wrong is PermissionDenied (403) and runs nothing', async () => {
    const s = await signIn('alice');
    const other = await signIn('alice');
    const count = async () => Number((await t.running.svc.db('tokens').count({ n: '*' }))[0].n);
    const before = await count();
    for (const csrf of [undefined, '', 'x', other.csrf, `${s.csrf}x`]) {
      const a = await call(CREATE_TOKEN, {}, { cookie: s.cookie, csrf });
      expect({ csrf, status: a.reply.status, ...refusal(a) }).toEqual({ csrf, status: 403, ...csrfRefused });
    }
    expect(await count()).toBe(before);
    expect((await call(CREATE_TOKEN, {}, { cookie: s.cookie, csrf: s.csrf })).data).toEqual({ createToken: { user: 'alice' } });
    // Queries need none; signIn needs none, even with a cookie.
    expect((await call(`{ tokens { user } }`, {}, { cookie: s.cookie })).errors).toBeUndefined();
    expect((await signIn('alice', undefined, { cookie: s.cookie })).session.user.name).toBe('alice');
  });

  test("Apollo's CSRF prevention still refuses a simple request (text/plain, a form, a GET without a preflight header), cookie or not", async () => {
    const s = await signIn('alice');
    const body = JSON.stringify({ query: CREATE_TOKEN });
    const before = (await gqlOk(t, `{ tokens(user: "alice") { id } }`, {}, root)).tokens.length;
    for (const [method, url, type, sent] of [
      ['POST', `${t.origin}/graphql`, 'text/plain', body],
      ['POST', `${t.origin}/graphql`, 'application/x-www-form-urlencoded', `query=${encodeURIComponent(CREATE_TOKEN)}`],
      ['POST', `${t.origin}/graphql`, 'multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n${CREATE_TOKEN}\r\n--x--\r\n`],
      ['GET', `${t.origin}/graphql?query=${encodeURIComponent(ME)}`, undefined, undefined],
    ] as const) {
      const headers: Record<string, string> = { cookie: `vospace_session=${s.cookie}`, 'x-csrf-token': s.csrf };
      if (type) headers['content-type'] = type;
      const r = await request(method, url, { headers, body: sent });
      expect({ type, status: r.status, refusal: r.text }).toEqual({ type, status: 400, refusal: expect.stringMatching(/Cross-Site Request Forgery/) });
      expect(r.text).not.toContain('alice');
    }
    expect((await gqlOk(t, `{ tokens(user: "alice") { id } }`, {}, root)).tokens.length).toBe(before);
  });
});

describe('signing out', () => {
  test('signOut ends the session on the server and clears the cookie: the old cookie no longer works, from any client', async () => {
    const s = await signIn('alice');
    const kept = s.cookie; // as another client (or a thief) would have kept it
    expect(await whoAmI({ cookie: kept })).toBe('alice'); // in the cache now

    // signOut is a mutation like any other: by cookie it needs the CSRF token.
    expect(refusal(await call(SIGN_OUT, {}, { cookie: s.cookie }))).toEqual(csrfRefused);
    const out = await call(SIGN_OUT, {}, { cookie: s.cookie, csrf: s.csrf });
    expect(out.data).toEqual({ signOut: true });
    expect(out.reply.headers.get('set-cookie')).toMatch(/^vospace_session=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/);

    expect(await whoAmI({ cookie: kept })).toBeNull();
    expect((await call(SESSION, {}, { cookie: kept })).data).toEqual({ session: null });
    expect(await t.running.svc.db('sessions').where('token_hash', createHash('sha256').update(kept).digest('hex')).first()).toBeUndefined();
    // The ended cookie is anonymous, so its CSRF token no longer matters: signing out again ends nothing.
    expect((await call(SIGN_OUT, {}, { cookie: kept })).data).toEqual({ signOut: false });
    // Other sessions of the user go on.
    const other = await signIn('alice');
    expect(await whoAmI({ cookie: other.cookie })).toBe('alice');
  });

  test('signIn and signOut over graphql-ws are refused: a WebSocket message cannot set or clear a cookie', async () => {
    const ws = createClient({ url: `${t.origin.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      for (const query of [SIGN_OUT, `mutation { signIn(name: "alice", password: "alice-password") { csrfToken } }`]) {
        const r: any = (await ws.iterate({ query }).next()).value;
        expect(r.errors.map((e: GqlError) => e.extensions?.code)).toEqual(['OperationNotSupported']);
        expect(r.errors[0].message).toMatch(/needs an HTTP request/);
      }
    } finally {
      await ws.dispose();
    }
  });
});

describe('wrong sign-ins', () => {
  test('a wrong password, an unknown name, a user without a password and a name no user can have get the same answer', async () => {
    const answers = [];
    for (const [name, password] of [['alice', 'wrong-password'], ['nobody', 'alice-password'], ['nopass', 'whatever-it-is'], ['x'.repeat(300), 'p'], ['al\u0000ice', 'alice-password']]) {
      const a = await call(SIGN_IN, { name, password });
      expect(a.reply.headers.get('set-cookie')).toBeNull();
      answers.push({ status: a.reply.status, body: a.reply.text });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(refusal(await call(SIGN_IN, { name: 'nobody', password: 'x' }))).toEqual(refused('PermissionDenied', 403, WRONG));
  });

  test('an unknown name costs a password check too', async () => {
    // Both run scrypt: neither answers in a fraction of the time the other takes.
    const time = async (name: string) => {
      const start = process.hrtime.bigint();
      await call(SIGN_IN, { name, password: 'wrong-password' });
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const known = Math.min(await time('alice'), await time('alice'));
    const unknown = Math.min(await time('nobody'), await time('nobody'));
    expect(unknown).toBeGreaterThan(known / 3);
  });

  test('past signin_failures (5) failures of one name, every attempt is TooManyRequests (429), the right password too, known name or not', async () => {
    for (const name of ['bob', 'ghost']) {
      for (let i = 0; i < 5; i++) expect(refusal(await call(SIGN_IN, { name, password: `wrong-${i}-pass` }))).toEqual(refused('PermissionDenied', 403, WRONG));
      const r = await call(SIGN_IN, { name, password: `${name}-password` });
      expect({ name, ...refusal(r) }).toEqual({ name, ...refused('TooManyRequests', 429, expect.stringMatching(/^TooManyRequests: too many failed sign-ins; retry after (\d+) s$/)) });
      const seconds = Number(/after (\d+) s/.exec(r.errors![0].message)![1]);
      expect(seconds).toBeGreaterThan(14 * 60);
      expect(seconds).toBeLessThanOrEqual(15 * 60);
      expect(r.reply.headers.get('set-cookie')).toBeNull();
    }
    // Other names are not held up; bob's token still works (the limit is on signing in).
    expect((await signIn('alice')).session.user.name).toBe('alice');
    expect(await whoAmI({ token: bob })).toBe('bob');
  });

  test('a right password clears the count of its name', async () => {
    await t.user('carl');
    await setPassword(t.running.svc, OPERATOR, 'carl', 'carl-password');
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) await call(SIGN_IN, { name: 'carl', password: 'wrong-password' });
      expect((await signIn('carl')).session.user.name).toBe('carl');
    }
  });

  test('past 4 × signin_failures failures from one address, whatever the names, every attempt from it is refused; others are not', async () => {
    const address = newAddress();
    for (let i = 0; i < 20; i++) {
      const a = await call(SIGN_IN, { name: `guess${i % 5}`, password: 'wrong-password' }, { address });
      expect(refusal(a)).toEqual(refused('PermissionDenied', 403, WRONG));
    }
    const r = await call(SIGN_IN, { name: 'alice', password: 'alice-password' }, { address });
    expect(refusal(r)).toEqual(refused('TooManyRequests', 429, expect.stringMatching(/^TooManyRequests: too many failed sign-ins; retry after \d+ s$/)));
    expect((await signIn('alice', undefined, { address: newAddress() })).session.user.name).toBe('alice');
  });
});

describe('setPassword and setAdmin', () => {
  test('an administrator sets anyone\'s password, needing no current one; the old password stops working', async () => {
    await t.user('dora');
    expect(refusal(await call(SIGN_IN, { name: 'dora', password: 'dora-password' }))).toEqual(refused('PermissionDenied', 403, WRONG));
    expect((await call(SET_PASSWORD, { user: 'dora', password: 'dora-password' }, { token: root })).data).toEqual({ setPassword: true });
    expect((await signIn('dora')).session.user.name).toBe('dora');
    expect((await call(SET_PASSWORD, { user: 'dora', password: 'dora-second' }, { token: root })).data).toEqual({ setPassword: true });
    expect(refusal(await call(SIGN_IN, { name: 'dora', password: 'dora-password' }))).toEqual(refused('PermissionDenied', 403, WRONG));
    expect((await signIn('dora', 'dora-second')).session.user.name).toBe('dora');
    expect(refusal(await call(SET_PASSWORD, { user: 'nobody', password: 'long-enough' }, { token: root }))).toEqual(
      refused('NodeNotFound', 404, "NodeNotFound: no user 'nobody'"),
    );
  });

  test('a user sets their own with the right current password; that ends their other sessions, not the one they use', async () => {
    await t.user('erin');
    await setPassword(t.running.svc, OPERATOR, 'erin', 'erin-password');
    const [mine, laptop, phone] = [await signIn('erin'), await signIn('erin'), await signIn('erin')];
    expect(await whoAmI({ cookie: laptop.cookie })).toBe('erin');
    const a = await call(SET_PASSWORD, { user: 'erin', password: 'erin-second', current: 'erin-password' }, { cookie: mine.cookie, csrf: mine.csrf });
    expect(a.data).toEqual({ setPassword: true });
    expect([await whoAmI({ cookie: mine.cookie }), await whoAmI({ cookie: laptop.cookie }), await whoAmI({ cookie: phone.cookie })]).toEqual(['erin', null, null]);
    expect((await signIn('erin', 'erin-second')).session.user.name).toBe('erin');
    // By a bearer token, every session of the user ends.
    const erinToken = (await gqlOk(t, `mutation { createToken(user: "erin") { token } }`, {}, root)).createToken.token;
    expect((await call(SET_PASSWORD, { user: 'erin', password: 'erin-third', current: 'erin-second' }, { token: erinToken })).data).toEqual({ setPassword: true });
    expect(await whoAmI({ cookie: mine.cookie })).toBeNull();
  });

  test('a user without the right current password, for another user, or anonymously is refused; a wrong current password counts as a failed sign-in', async () => {
    await t.user('fay');
    await setPassword(t.running.svc, OPERATOR, 'fay', 'fay-password');
    const s = await signIn('fay');
    const as = { cookie: s.cookie, csrf: s.csrf };
    for (const current of [undefined, 'wrong-password', 'alice-password']) {
      expect(refusal(await call(SET_PASSWORD, { user: 'fay', password: 'fay-second', current }, as))).toEqual(refused('PermissionDenied', 403, WRONG));
    }
    expect(refusal(await call(SET_PASSWORD, { user: 'alice', password: 'long-enough', current: 'fay-password' }, as))).toEqual(
      refused('PermissionDenied', 403, "PermissionDenied: only an administrator may set another user's password"),
    );
    expect(refusal(await call(SET_PASSWORD, { user: 'fay', password: 'long-enough', current: 'fay-password' }))).toEqual(
      refused('PermissionDenied', 403, "PermissionDenied: only an administrator may set another user's password"),
    );
    // Three failures so far; two more, and then even the right one is held.
    for (let i = 0; i < 2; i++) await call(SIGN_IN, { name: 'fay', password: 'wrong-password' });
    expect(refusal(await call(SET_PASSWORD, { user: 'fay', password: 'fay-second', current: 'fay-password' }, as)).errors![0].code).toBe('TooManyRequests');
    expect(await whoAmI(as)).toBe('fay'); // her session is untouched
  });

  test('a password has 8 to 1024 characters', async () => {
    for (const password of ['', 'seven77', 'x'.repeat(1025)]) {
      expect(refusal(await call(SET_PASSWORD, { user: 'alice', password }, { token: root }))).toEqual(
        refused('InvalidArgument', 400, `InvalidArgument: a password must have 8 to 1024 characters, not ${password.length}`),
      );
    }
    for (const password of ['eight888', '\u{1F511}'.repeat(1024)]) {
      await t.user(`len${password.length}`);
      expect((await call(SET_PASSWORD, { user: `len${password.length}`, password }, { token: root })).data).toEqual({ setPassword: true });
      expect((await signIn(`len${password.length}`, password)).session.user.name).toBe(`len${password.length}`);
    }
  });

  test('setAdmin: administrators only, not from the last one; the change holds for the cookie at once', async () => {
    const s = await signIn('alice');
    expect(refusal(await call(SET_ADMIN, { user: 'alice', admin: true }, { cookie: s.cookie, csrf: s.csrf }))).toEqual(
      refused('PermissionDenied', 403, 'PermissionDenied: only an administrator may make or unmake administrators'),
    );
    expect(refusal(await call(SET_ADMIN, { user: 'alice', admin: true }))).toEqual(
      refused('PermissionDenied', 403, 'PermissionDenied: only an administrator may make or unmake administrators'),
    );
    expect((await call(ME, {}, { cookie: s.cookie })).data.me).toEqual({ name: 'alice', admin: false });
    const r = await signIn('root');
    expect((await call(SET_ADMIN, { user: 'alice', admin: true }, { cookie: r.cookie, csrf: r.csrf })).data).toEqual({ setAdmin: { name: 'alice', admin: true } });
    expect((await call(ME, {}, { cookie: s.cookie })).data.me).toEqual({ name: 'alice', admin: true });
    expect((await call(SET_ADMIN, { user: 'root', admin: false }, { cookie: s.cookie, csrf: s.csrf })).data).toEqual({ setAdmin: { name: 'root', admin: false } });
    expect(refusal(await call(SET_ADMIN, { user: 'alice', admin: false }, { cookie: s.cookie, csrf: s.csrf }))).toEqual(
      refused('PermissionDenied', 403, "PermissionDenied: 'alice' is the last administrator; make another one first"),
    );
    expect(refusal(await call(SET_ADMIN, { user: 'nobody', admin: true }, { cookie: s.cookie, csrf: s.csrf }))).toEqual(
      refused('NodeNotFound', 404, "NodeNotFound: no user 'nobody'"),
    );
    expect((await call(SET_ADMIN, { user: 'root', admin: true }, { cookie: s.cookie, csrf: s.csrf })).data).toEqual({ setAdmin: { name: 'root', admin: true } });
    expect((await call(SET_ADMIN, { user: 'alice', admin: false }, { token: root })).data).toEqual({ setAdmin: { name: 'alice', admin: false } });
  });
});

describe('expiry', () => {
  const hashOf = (cookie: string) => createHash('sha256').update(cookie).digest('hex');

  test('an expired session is anonymous, even just after a lookup put it in the cache', async () => {
    const s = await signIn('alice');
    await t.running.svc.db('sessions').where('token_hash', hashOf(s.cookie)).update({ expires_at: t.running.svc.db.raw(`now() + interval '1 second'`) });
    t.running.svc.tokens.forget();
    expect(await whoAmI({ cookie: s.cookie })).toBe('alice');
    await new Promise((r) => setTimeout(r, 1200));
    expect(await whoAmI({ cookie: s.cookie })).toBeNull();
    // Anonymous, not a CSRF refusal.
    expect(refusal(await call(CREATE_TOKEN, {}, { cookie: s.cookie }))).toEqual(
      refused('PermissionDenied', 403, 'PermissionDenied: only a signed-in user has tokens of their own'),
    );
  });
});

describe('graphql-ws by cookie', () => {
  /** A graphql-ws client whose upgrade request carries the cookie, as a browser's would. */
  function wsClient(cookie: string, connectionParams?: Record<string, unknown>) {
    class CookieSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { cookie: `vospace_session=${cookie}` } });
      }
    }
    return createClient({ url: `${t.origin.replace(/^http/, 'ws')}/graphql`, webSocketImpl: CookieSocket, retryAttempts: 0, lazy: false, connectionParams });
  }
  const once = async (ws: ReturnType<typeof wsClient>, query: string): Promise<any> => (await ws.iterate({ query }).next()).value;

  test('the cookie signs the connection in only with the csrfToken connection parameter; else it is anonymous', async () => {
    const s = await signIn('alice');
    for (const [params, me] of [[{ csrfToken: s.csrf }, 'alice'], [undefined, null], [{ csrfToken: 'wrong' }, null], [{ csrfToken: (await signIn('alice')).csrf }, null]] as const) {
      const ws = wsClient(s.cookie, params as Record<string, unknown> | undefined);
      try {
        const r = await once(ws, `{ me { name } session { user { name } } }`);
        expect({ params, r }).toEqual({ params, r: { data: { me: me && { name: me }, session: me && { user: { name: me } } } } });
      } finally {
        await ws.dispose();
      }
    }
  });

  test('after signOut, the next operation of an open connection is refused', async () => {
    const s = await signIn('alice');
    const ws = wsClient(s.cookie, { csrfToken: s.csrf });
    try {
      expect(await once(ws, ME)).toEqual({ data: { me: { name: 'alice', admin: false } } });
      expect((await call(SIGN_OUT, {}, { cookie: s.cookie, csrf: s.csrf })).data).toEqual({ signOut: true });
      const err = await ws.iterate({ query: ME }).next().then(() => null, (e) => e);
      expect(err.map((e: GqlError) => e.extensions?.code)).toEqual(['InvalidToken']);
    } finally {
      await ws.dispose();
    }
  });
});

describe('other settings', () => {
  let other: TestService;
  afterAll(() => other?.close());

  test('session_hours sets the session length, signin_failures the failures allowed per name (and four times as many per address)', async () => {
    other = await startTestService({ parameters: { session_hours: 1, signin_failures: 2, trust_proxy: 'loopback' } });
    await other.user('alice');
    await setPassword(other.running.svc, OPERATOR, 'alice', 'alice-password');
    const signInThere = async (name: string, password: string, address: string) => {
      const r = await request('POST', `${other.origin}/graphql`, {
        headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
        body: JSON.stringify({ query: SIGN_IN, variables: { name, password } }),
      });
      const body = JSON.parse(r.text);
      return body.data?.signIn ?? body.errors[0].extensions.code;
    };
    const s = await signInThere('alice', 'alice-password', '10.9.0.1');
    expect(Date.parse(s.expires) - Date.now()).toBeGreaterThan(3600_000 - 5000);
    expect(Date.parse(s.expires) - Date.now()).toBeLessThanOrEqual(3600_000 + 1000);
    expect([await signInThere('alice', 'wrong-pass', '10.9.0.2'), await signInThere('alice', 'wrong-pass', '10.9.0.3')]).toEqual(['PermissionDenied', 'PermissionDenied']);
    expect(await signInThere('alice', 'alice-password', '10.9.0.4')).toBe('TooManyRequests');
    for (let i = 0; i < 8; i++) expect(await signInThere(`n${i}`, 'wrong-pass', '10.9.0.5')).toBe('PermissionDenied');
    expect(await signInThere('n9', 'wrong-pass', '10.9.0.5')).toBe('TooManyRequests');
  });
});

describe('over TLS', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vospace-tls-'));
  let tls: TestService;
  afterAll(async () => {
    await tls?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the cookie is Secure when the service itself serves HTTPS', async () => {
    const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    tls = await startTestService({ space: { use_ssl: '1', cert_file: cert, key_file: key } });
    await tls.user('alice');
    await setPassword(tls.running.svc, OPERATOR, 'alice', 'alice-password');
    const body = JSON.stringify({ query: SIGN_IN, variables: { name: 'alice', password: 'alice-password' } });
    const setCookie = await new Promise<string[]>((resolve, reject) => {
      const req = https.request(`https://127.0.0.1:${tls.running.port}/graphql`, { method: 'POST', ca: fs.readFileSync(cert), headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume().on('end', () => resolve(res.headers['set-cookie'] ?? []));
      });
      req.on('error', reject).end(body);
    });
    expect(setCookie).toHaveLength(1);
    expect(setCookie[0].split(/;\s*/).slice(1).sort()).toEqual([expect.stringMatching(/^Expires=/), 'HttpOnly', 'Path=/', 'SameSite=Strict', 'Secure']);
  });
});
