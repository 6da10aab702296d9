/**
 * Move and copy of nodes (services/moveCopy.ts), called directly on a real
 * service and database: single data nodes and deep containers, the "into an
 * existing container" rule, every fault, permissions, independent bytes for
 * copies, all-or-nothing copies when a byte copy fails, and the tree's
 * invariants after every operation.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ANONYMOUS, type Identity } from '../../src/auth/identity';
import { VOSpaceFault, type FaultName } from '../../src/domain/faults';
import type { NodeType } from '../../src/domain/nodeTypes';
import { P } from '../../src/domain/properties';
import type { Services } from '../../src/services/context';
import { copyNode, moveNode } from '../../src/services/moveCopy';
import { createNode, setNode } from '../../src/services/nodes';
import { startTestService, type TestService } from '../helpers/service';

const TAG = 'ivo://example.org/test#tag';
const LOCKED = 'ivo://example.org/test#locked';

let t: TestService;
let svc: Services;
let alice: Identity;
let bob: Identity;
let admin: Identity;

async function identity(name: string, opts: { admin?: boolean; groups?: string[] } = {}): Promise<Identity> {
  const token = await t.user(name, opts);
  return svc.tokens.authenticate(`Bearer ${token}`);
}

beforeAll(async () => {
  t = await startTestService();
  svc = t.running.svc;
  alice = await identity('alice');
  bob = await identity('bob', { groups: ['team'] });
  admin = await identity('root', { admin: true });
  // Read needs read on every ancestor: alice opens her home to all, and shares inside it node by node.
  await setNode(svc, alice, 'alice', [{ uri: P.publicread, value: 'true' }]);
});
afterAll(() => t?.close());

// ---------------------------------------------------------------- helpers

interface Row {
  id: number;
  parent_id: number | null;
  path: string;
  name: string;
  type: NodeType;
  owner_id: number | null;
  target: string | null;
  size: number;
  md5: string | null;
  busy_job: string | null;
  location: string | null;
  ctime: Date;
  mtime: Date;
  btime: Date;
  props: string[];
}

/** Every node (with its properties as sorted `uri=value(ro)` strings) at or below `top`, keyed by path. */
async function rows(top?: string): Promise<Map<string, Row>> {
  const q = svc.db('nodes as n').select(
    'n.*',
    svc.db.raw(`COALESCE((SELECT array_agg(p.uri || '=' || p.value || CASE WHEN p.read_only THEN '(ro)' ELSE '' END ORDER BY p.uri)
      FROM properties p WHERE p.node_id = n.id), '{}') AS props`),
  );
  if (top !== undefined) q.where((w) => w.where('n.path', top).orWhere((r) => r.where('n.path', '>', `${top}/`).andWhere('n.path', '<', `${top}0`)));
  const out = new Map<string, Row>();
  for (const r of await q) {
    const props = Array.isArray(r.props) ? r.props : String(r.props).replace(/^\{|\}$/g, '').split(',').filter(Boolean);
    out.set(r.path, { ...r, id: Number(r.id), parent_id: r.parent_id === null ? null : Number(r.parent_id), size: Number(r.size), props });
  }
  return out;
}

/** The subtree at `top` keyed by path relative to it ('' = top itself). */
async function relative(top: string): Promise<Map<string, Row>> {
  const all = await rows(top);
  return new Map([...all].map(([p, r]) => [p === top ? '' : p.slice(top.length + 1), r]));
}

/** What a copy keeps of a node. */
const content = (r: Row) => ({ name: r.name, type: r.type, target: r.target, size: r.size, md5: r.md5, props: r.props });

/**
 * The tree's invariants: exactly one root (path '', no parent); every other
 * node has a parent that exists, is a ContainerNode, and whose path is the
 * node's path minus its last name (which is the node's name); paths are
 * unique; no two nodes share a byte location; nothing is left busy.
 */
async function checkInvariants(): Promise<void> {
  const all = [...(await rows()).values()];
  const byId = new Map(all.map((r) => [r.id, r]));
  expect(new Set(all.map((r) => r.path)).size).toBe(all.length);
  const roots = all.filter((r) => r.parent_id === null);
  expect(roots.map((r) => r.path)).toEqual(['']);
  const bad: string[] = [];
  for (const r of all) {
    if (r.path === '') continue;
    const parent = byId.get(r.parent_id!);
    const slash = r.path.lastIndexOf('/');
    const parentPath = slash < 0 ? '' : r.path.slice(0, slash);
    if (!parent) bad.push(`${r.path}: parent ${r.parent_id} missing`);
    else if (parent.type !== 'ContainerNode') bad.push(`${r.path}: parent ${parent.path} is a ${parent.type}`);
    else if (parent.path !== parentPath) bad.push(`${r.path}: parent is at ${parent.path}`);
    if (r.name !== r.path.slice(slash + 1)) bad.push(`${r.path}: named ${r.name}`);
  }
  expect(bad).toEqual([]);
  const locations = all.map((r) => r.location).filter((l): l is string => l !== null);
  expect(new Set(locations).size).toBe(locations.length);
}

/** Runs `f`, which must reject with the VOSpace fault `name`. */
async function expectFault(name: FaultName, f: () => Promise<unknown>): Promise<VOSpaceFault> {
  const e = await f().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(VOSpaceFault);
  expect((e as VOSpaceFault).fault).toBe(name);
  return e as VOSpaceFault;
}

const mkdir = (who: Identity, p: string, properties: { uri: string; value: string; readOnly?: boolean }[] = []) =>
  createNode(svc, who, p, { type: 'ContainerNode', properties });
const mkfile = (who: Identity, p: string, properties: { uri: string; value: string; readOnly?: boolean }[] = []) =>
  createNode(svc, who, p, { type: 'DataNode', properties });
const mklink = (who: Identity, p: string, target: string) => createNode(svc, who, p, { type: 'LinkNode', properties: [], target });

/** Gives a data node bytes as an upload would: stage, write, commit, then record location, size and MD5. */
async function giveBytes(p: string, data: Buffer): Promise<string> {
  const [{ id }] = await svc.db('nodes').where('path', p).select('id');
  const staged = await svc.backend.stage(`test-${Number(id)}`);
  await pipeline(Readable.from([data]), staged.stream);
  const location = await svc.backend.commit(staged.ref, Number(id));
  const md5 = createHash('md5').update(data).digest('hex');
  await svc.db('nodes').where('id', id).update({ location, size: data.length, md5 });
  return location;
}

async function readBytes(location: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await svc.backend.read(location)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function locationOf(p: string): Promise<string | null> {
  const row = await svc.db('nodes').where('path', p).first('location');
  return row?.location ?? null;
}

/** Files the backend holds under its root directory. */
function storedFiles(dir = t.dirs.root): number {
  if (!fs.existsSync(dir)) return 0;
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? storedFiles(path.join(dir, e.name)) : 1), 0);
}

/** SQL statements run while `f` runs. */
async function counted<T>(f: () => Promise<T>): Promise<{ result: T; sql: string[] }> {
  const sql: string[] = [];
  const listen = (q: { sql: string }) => sql.push(q.sql);
  svc.db.on('query', listen);
  try {
    return { result: await f(), sql };
  } finally {
    svc.db.removeListener('query', listen);
  }
}

const bytesFor = (p: string) => Buffer.from(`bytes of ${p}\n`.repeat(37));

/**
 * A deep tree at `top`: 4 containers (names with a space, unicode, '%' and
 * '_'), each with 5 containers of 12 data nodes, plus a link and a property
 * on every node (one read-only): 1 + 4 + 20 + 240 + 1 = 266 nodes. The first
 * data node of each inner container gets bytes. Returns the paths with bytes.
 */
async function deepTree(who: Identity, top: string): Promise<string[]> {
  const withBytes: string[] = [];
  await mkdir(who, top, [{ uri: TAG, value: 'top' }]);
  const level1 = ['a', 'b c', 'ü%', 'x_y'];
  for (const a of level1) {
    await mkdir(who, `${top}/${a}`, [{ uri: TAG, value: a }]);
    for (let j = 0; j < 5; j++) {
      const dir = `${top}/${a}/sub${j}`;
      await mkdir(who, dir, [{ uri: TAG, value: `${a}-${j}` }, { uri: LOCKED, value: 'yes', readOnly: true }]);
      for (let k = 0; k < 12; k++) {
        const f = `${dir}/f${String(k).padStart(2, '0')}.dat`;
        await mkfile(who, f, [{ uri: TAG, value: `${a}-${j}-${k}` }]);
        if (k === 0) {
          await giveBytes(f, bytesFor(f));
          withBytes.push(f);
        }
      }
    }
  }
  await mklink(who, `${top}/link`, t.uri(`${top}/a`));
  return withBytes;
}

/** Siblings of `dir/d` whose names share its prefix: a subtree query for 'd' must never reach them. */
async function prefixSiblings(who: Identity, dir: string): Promise<void> {
  for (const name of ['d b', 'd0', 'd_x', 'd.x', 'd-', 'dd']) {
    await mkdir(who, `${dir}/${name}`, [{ uri: TAG, value: name }]);
    await mkfile(who, `${dir}/${name}/f`, [{ uri: TAG, value: `${name}/f` }]);
    await mkdir(who, `${dir}/${name}/inner`);
  }
}

// ---------------------------------------------------------------- data nodes

describe('a data node', () => {
  beforeAll(async () => {
    await mkdir(alice, 'alice/dn', [{ uri: P.publicread, value: 'true' }]);
    await mkdir(alice, 'alice/dn/box');
  });

  test('move renames it in place: same id, properties and bytes; new ctime, same mtime', async () => {
    const before = await mkfile(alice, 'alice/dn/one', [{ uri: TAG, value: 'one' }]);
    const location = await giveBytes('alice/dn/one', Buffer.from('hello'));
    const old = (await rows('alice/dn/one')).get('alice/dn/one')!;
    await new Promise((r) => setTimeout(r, 5));
    const moved = await moveNode(svc, alice, 'alice/dn/one', 'alice/dn/renamed');
    expect(moved).toMatchObject({ id: before.id, path: 'alice/dn/renamed', name: 'renamed', type: 'DataNode', size: 5, owner: 'alice' });
    expect(moved.properties).toEqual([{ uri: TAG, value: 'one', readOnly: false }]);
    expect(moved.ctime.getTime()).toBeGreaterThan(old.ctime.getTime());
    expect(moved.mtime.getTime()).toBe(old.mtime.getTime());
    expect(moved.btime.getTime()).toBe(old.btime.getTime());
    expect(await locationOf('alice/dn/renamed')).toBe(location);
    expect((await readBytes(location)).toString()).toBe('hello');
    expect(await rows('alice/dn/one')).toEqual(new Map());
    await checkInvariants();
  });

  test('move into an existing container keeps the name', async () => {
    const before = await mkfile(alice, 'alice/dn/two');
    const moved = await moveNode(svc, alice, 'alice/dn/two', 'alice/dn/box');
    expect(moved).toMatchObject({ id: before.id, path: 'alice/dn/box/two', name: 'two' });
    const box = (await rows('alice/dn/box')).get('alice/dn/box')!;
    expect(moved.parentId).toBe(box.id);
    await checkInvariants();
  });

  test('copy: a new node owned by the caller, with the same content and bytes of its own', async () => {
    await mkfile(alice, 'alice/dn/src', [{ uri: TAG, value: 'src' }, { uri: P.publicread, value: 'true' }]);
    const data = Buffer.from('some bytes\n'.repeat(1000));
    const srcLocation = await giveBytes('alice/dn/src', data);
    const src = (await rows('alice/dn/src')).get('alice/dn/src')!;
    await new Promise((r) => setTimeout(r, 5));

    const copy = await copyNode(svc, bob, 'alice/dn/src', 'bob/copied');
    expect(copy).toMatchObject({ path: 'bob/copied', name: 'copied', type: 'DataNode', owner: 'bob', ownerId: bob.userId, size: data.length, md5: src.md5 });
    expect(copy.id).not.toBe(src.id);
    expect(copy.properties).toEqual([
      { uri: TAG, value: 'src', readOnly: false },
      { uri: P.publicread, value: 'true', readOnly: false },
    ].sort((x, y) => (x.uri < y.uri ? -1 : 1)));
    for (const time of [copy.btime, copy.ctime, copy.mtime]) expect(time.getTime()).toBeGreaterThan(src.btime.getTime());

    const copyLocation = (await locationOf('bob/copied'))!;
    expect(copyLocation).toBeTruthy();
    expect(copyLocation).not.toBe(srcLocation);
    expect(await readBytes(copyLocation)).toEqual(data);
    // The source is untouched.
    expect((await rows('alice/dn/src')).get('alice/dn/src')).toEqual(src);

    // Removing the source's bytes leaves the copy's.
    await svc.backend.remove(srcLocation);
    await expect(svc.backend.read(srcLocation)).rejects.toThrow();
    expect(await readBytes(copyLocation)).toEqual(data);
    await checkInvariants();
  });

  test('copy into an existing container keeps the name; a node without bytes gets none', async () => {
    await mkfile(alice, 'alice/dn/empty', [{ uri: TAG, value: 'e' }]);
    const copy = await copyNode(svc, alice, 'alice/dn/empty', 'alice/dn/box');
    expect(copy).toMatchObject({ path: 'alice/dn/box/empty', name: 'empty', size: 0, md5: null });
    expect(await locationOf('alice/dn/box/empty')).toBeNull();
    await checkInvariants();
  });

  test('a link is moved and copied with its target', async () => {
    await mklink(alice, 'alice/dn/ln', 'http://example.com/x');
    const copy = await copyNode(svc, alice, 'alice/dn/ln', 'alice/dn/ln2');
    expect(copy).toMatchObject({ type: 'LinkNode', target: 'http://example.com/x' });
    const moved = await moveNode(svc, alice, 'alice/dn/ln', 'alice/dn/box');
    expect(moved).toMatchObject({ path: 'alice/dn/box/ln', type: 'LinkNode', target: 'http://example.com/x' });
    await checkInvariants();
  });
});

// ---------------------------------------------------------------- deep containers

describe('a deep container', () => {
  let withBytes: string[];

  beforeAll(async () => {
    await mkdir(alice, 'alice/t');
    withBytes = await deepTree(alice, 'alice/t/d');
    await prefixSiblings(alice, 'alice/t');
    await mkdir(alice, 'alice/u');
    // The destination has prefix-sharing neighbours too.
    await prefixSiblings(alice, 'alice/u');
    await checkInvariants();
  });

  test('copy: every node, property and byte object duplicated, sources and neighbours untouched', async () => {
    const everythingBefore = await rows();
    const src = await relative('alice/t/d');
    expect(src.size).toBe(266);

    const copy = await copyNode(svc, alice, 'alice/t/d', 'alice/u/d');
    expect(copy).toMatchObject({ path: 'alice/u/d', name: 'd', type: 'ContainerNode', owner: 'alice' });
    expect(copy.properties).toEqual([{ uri: TAG, value: 'top', readOnly: false }]);

    const dst = await relative('alice/u/d');
    expect([...dst.keys()].sort()).toEqual([...src.keys()].sort());
    const srcIds = new Set([...src.values()].map((r) => r.id));
    for (const [rel, r] of dst) {
      const s = src.get(rel)!;
      expect(content(r)).toEqual(content(s));
      expect(srcIds.has(r.id)).toBe(false);
      expect(r.owner_id).toBe(alice.userId);
      expect(r.busy_job).toBeNull();
      expect(r.btime.getTime()).toBeGreaterThanOrEqual(s.btime.getTime());
    }
    expect(dst.get('')!.parent_id).toBe((await rows('alice/u')).get('alice/u')!.id);
    expect(content(dst.get('ü%/sub3')!).props).toEqual([`${LOCKED}=yes(ro)`, `${TAG}=ü%-3`]);

    // Bytes: each copy has its own object holding the same bytes.
    for (const f of withBytes) {
      const rel = f.slice('alice/t/d/'.length);
      const from = src.get(rel)!.location!;
      const to = dst.get(rel)!.location!;
      expect(to).toBeTruthy();
      expect(to).not.toBe(from);
      expect(await readBytes(to)).toEqual(bytesFor(f));
    }
    expect([...dst.values()].filter((r) => r.location !== null)).toHaveLength(withBytes.length);

    // Nothing else changed: the source and every other node are as they were.
    const everythingAfter = await rows();
    for (const [p, r] of everythingBefore) expect(everythingAfter.get(p)).toEqual(r);
    expect(everythingAfter.size).toBe(everythingBefore.size + src.size);
    await checkInvariants();
  });

  test('copy costs the same number of SQL statements for 3 nodes as for 266', async () => {
    await mkdir(alice, 'alice/small');
    await mkdir(alice, 'alice/small/s');
    await mkfile(alice, 'alice/small/s/f', [{ uri: TAG, value: 'x' }]);
    await giveBytes('alice/small/s/f', Buffer.from('x'));
    const small = await counted(() => copyNode(svc, alice, 'alice/small', 'alice/u/small'));
    const big = await counted(() => copyNode(svc, alice, 'alice/t/d', 'alice/u/d2'));
    expect(big.sql).toHaveLength(small.sql.length);
    expect(big.sql.length).toBeLessThan(30);
    expect((await relative('alice/u/d2')).size).toBe(266);
    await checkInvariants();
  });

  test('move: one UPDATE rewrites the whole subtree; ids, properties and bytes stay; neighbours untouched', async () => {
    const everythingBefore = await rows();
    const src = await relative('alice/t/d');
    const { result: moved, sql } = await counted(() => moveNode(svc, alice, 'alice/t/d', 'alice/u/moved d'));
    expect(moved).toMatchObject({ id: src.get('')!.id, path: 'alice/u/moved d', name: 'moved d' });
    expect(sql.filter((s) => /^\s*update\b/i.test(s))).toHaveLength(1);

    const dst = await relative('alice/u/moved d');
    expect(await rows('alice/t/d')).toEqual(new Map());
    expect([...dst.keys()].sort()).toEqual([...src.keys()].sort());
    for (const [rel, r] of dst) {
      const s = src.get(rel)!;
      if (rel === '') {
        expect(r).toEqual({ ...s, path: 'alice/u/moved d', name: 'moved d', parent_id: (await rows('alice/u')).get('alice/u')!.id, ctime: r.ctime });
        expect(r.ctime.getTime()).toBeGreaterThan(s.ctime.getTime());
      } else {
        expect(r).toEqual({ ...s, path: `alice/u/moved d/${rel}` });
      }
    }
    for (const f of withBytes) {
      expect(await readBytes((await locationOf(f.replace('alice/t/d/', 'alice/u/moved d/')))!)).toEqual(bytesFor(f));
    }

    const everythingAfter = await rows();
    for (const [p, r] of everythingBefore) {
      if (p === 'alice/t/d' || p.startsWith('alice/t/d/')) continue;
      expect(everythingAfter.get(p)).toEqual(r);
    }
    expect(everythingAfter.size).toBe(everythingBefore.size);
    await checkInvariants();

    // And back, into the original container: the "into" rule keeps the name.
    const back = await moveNode(svc, alice, 'alice/u/moved d', 'alice/t');
    expect(back.path).toBe('alice/t/moved d');
    expect((await relative('alice/t/moved d')).size).toBe(266);
    await checkInvariants();
  });
});

// ---------------------------------------------------------------- faults

const OPS = [
  ['move', moveNode],
  ['copy', copyNode],
] as const;

describe.each(OPS)('%s faults', (verb, op) => {
  const top = `alice/f-${verb}`;

  beforeAll(async () => {
    await mkdir(alice, top);
    await mkdir(alice, `${top}/c`);
    await mkdir(alice, `${top}/c/inner`);
    await mkdir(alice, `${top}/c/inner/deeper`);
    await mkfile(alice, `${top}/c/inner/deeper/f`);
    await mkfile(alice, `${top}/file`);
    await mkdir(alice, `${top}/target`);
    await mkfile(alice, `${top}/target/file`);
    await mklink(alice, `${top}/link`, t.uri(`${top}/target`));
  });

  /** Runs the operation, which must fail with `name` and change nothing. */
  async function fails(name: FaultName, who: Identity, src: string, dest: string): Promise<VOSpaceFault> {
    const before = await rows();
    const files = storedFiles();
    const e = await expectFault(name, () => op(svc, who, src, dest));
    expect(await rows()).toEqual(before);
    expect(storedFiles()).toBe(files);
    await checkInvariants();
    return e;
  }

  test('a missing source is NodeNotFound', async () => {
    await fails('NodeNotFound', alice, `${top}/nope`, `${top}/x`);
  });

  test('the root is PermissionDenied, even for an admin', async () => {
    await fails('PermissionDenied', admin, '', `${top}/x`);
  });

  test('a container into itself or its descendants is InvalidURI', async () => {
    await fails('InvalidURI', alice, `${top}/c`, `${top}/c`);
    await fails('InvalidURI', alice, `${top}/c`, `${top}/c/inner`);
    await fails('InvalidURI', alice, `${top}/c`, `${top}/c/inner/deeper`);
    await fails('InvalidURI', alice, `${top}/c`, `${top}/c/inner/new`);
  });

  test('an existing non-container destination is DuplicateNode', async () => {
    await fails('DuplicateNode', alice, `${top}/c`, `${top}/file`);
    await fails('DuplicateNode', alice, `${top}/target/file`, `${top}/file`);
    await fails('DuplicateNode', alice, `${top}/file`, `${top}/file`);
    await fails('DuplicateNode', alice, `${top}/file`, `${top}/link`);
  });

  test('into a container that already holds that name is DuplicateNode', async () => {
    await fails('DuplicateNode', alice, `${top}/file`, `${top}/target`);
    await fails('DuplicateNode', alice, `${top}/file`, top);
  });

  test('a missing destination parent, or a data node as parent, is ContainerNotFound', async () => {
    await fails('ContainerNotFound', alice, `${top}/file`, `${top}/nope/x`);
    await fails('ContainerNotFound', alice, `${top}/file`, `${top}/nope/deeper/x`);
    await fails('ContainerNotFound', alice, `${top}/c`, `${top}/file/x`);
  });

  test('a link in the destination path is LinkFound', async () => {
    await fails('LinkFound', alice, `${top}/file`, `${top}/link/x`);
    await fails('LinkFound', alice, `${top}/file`, `${top}/link/y/x`);
  });

  test('the reserved name .null is InvalidURI', async () => {
    await fails('InvalidURI', alice, `${top}/file`, `${top}/.null`);
  });

  test('anything busy in the source subtree is NodeBusy', async () => {
    await svc.db('nodes').where('path', `${top}/c/inner/deeper/f`).update({ busy_job: 'job-1' });
    try {
      await fails('NodeBusy', alice, `${top}/c`, `${top}/target`);
      await fails('NodeBusy', alice, `${top}/c/inner/deeper/f`, `${top}/elsewhere`);
    } finally {
      await svc.db('nodes').where('path', `${top}/c/inner/deeper/f`).update({ busy_job: null });
    }
    // A busy neighbour with a prefix-sharing name does not count.
    await mkdir(alice, `${top}/c0`);
    await mkfile(alice, `${top}/c0/f`);
    await svc.db('nodes').where('path', `${top}/c0/f`).update({ busy_job: 'job-2' });
    try {
      const done = await op(svc, alice, `${top}/c`, `${top}/target`);
      expect(done.path).toBe(`${top}/target/c`);
      await checkInvariants();
    } finally {
      await svc.db('nodes').where('path', `${top}/c0/f`).update({ busy_job: null });
    }
  });

  test('.auto as the destination name picks a fresh name', async () => {
    const done = await op(svc, alice, `${top}/file`, `${top}/.auto`);
    expect(done.path).toMatch(new RegExp(`^${top}/[0-9a-f-]{36}$`));
    await checkInvariants();
  });
});

// ---------------------------------------------------------------- permissions

describe('permissions', () => {
  beforeAll(async () => {
    await mkdir(alice, 'alice/p', [{ uri: P.publicread, value: 'true' }]);
    await mkfile(alice, 'alice/p/private');
    await mkfile(alice, 'alice/p/public', [{ uri: P.publicread, value: 'true' }]);
    await mkdir(alice, 'alice/p/shared', [{ uri: P.publicread, value: 'true' }]);
    await mkfile(alice, 'alice/p/shared/open', [{ uri: P.publicread, value: 'true' }]);
    await mkfile(alice, 'alice/p/shared/secret');
    await mkdir(alice, 'alice/p/team', [{ uri: P.groupwrite, value: 'team' }]);
    await mkfile(bob, 'bob/mine');
  });

  async function denied(who: Identity, op: typeof moveNode, src: string, dest: string): Promise<void> {
    const before = await rows();
    await expectFault('PermissionDenied', () => op(svc, who, src, dest));
    expect(await rows()).toEqual(before);
  }

  test("another user may not move someone's node, nor into someone's container", async () => {
    await denied(bob, moveNode, 'alice/p/public', 'bob/taken');
    await denied(bob, moveNode, 'bob/mine', 'alice/p');
  });

  test('anonymous may neither move nor copy', async () => {
    await denied(ANONYMOUS, moveNode, 'alice/p/public', 'alice/p/x');
    await denied(ANONYMOUS, copyNode, 'alice/p/public', 'alice/p/x');
    await denied(ANONYMOUS, copyNode, 'alice/p/public', 'bob/x');
  });

  test('copy needs read on the source, and on everything below it', async () => {
    await denied(bob, copyNode, 'alice/p/private', 'bob/x');
    const e = await expectFault('PermissionDenied', () => copyNode(svc, bob, 'alice/p/shared', 'bob/x'));
    expect(e.detail).toContain('secret');
    expect(await rows('bob/x')).toEqual(new Map());
    const copy = await copyNode(svc, bob, 'alice/p/public', 'bob/x');
    expect(copy).toMatchObject({ path: 'bob/x', owner: 'bob' });
    // Copying your own into someone's container needs create there.
    await denied(bob, copyNode, 'bob/x', 'alice/p');
    await checkInvariants();
  });

  test('group write on the destination lets a member move and copy into it', async () => {
    const moved = await moveNode(svc, bob, 'bob/mine', 'alice/p/team');
    expect(moved).toMatchObject({ path: 'alice/p/team/mine', owner: 'bob' });
    const copy = await copyNode(svc, bob, 'alice/p/public', 'alice/p/team');
    expect(copy).toMatchObject({ path: 'alice/p/team/public', owner: 'bob' });
    // Moving out needs delete on the source's parent, which group write gives too.
    await expect(moveNode(svc, bob, 'alice/p/team/mine', 'bob/mine')).resolves.toMatchObject({ path: 'bob/mine' });
    await checkInvariants();
  });

  test('an admin may move and copy anything', async () => {
    await expect(copyNode(svc, admin, 'alice/p/private', 'bob/from-alice')).resolves.toMatchObject({ owner: 'root' });
    await expect(moveNode(svc, admin, 'bob/from-alice', 'alice/p/private2')).resolves.toMatchObject({ owner: 'root' });
    await checkInvariants();
  });
});

// ---------------------------------------------------------------- byte copy failure

describe('a byte copy that fails', () => {
  afterEach(() => jest.restoreAllMocks());

  test('leaves no copied metadata and no byte copies behind', async () => {
    await mkdir(alice, 'alice/bf');
    const sources: string[] = [];
    for (let i = 0; i < 10; i++) {
      const f = `alice/bf/f${i}`;
      await mkfile(alice, f);
      await giveBytes(f, Buffer.from(`file ${i}`));
      sources.push(f);
    }
    const before = await rows();
    const files = storedFiles();
    const realCopy = svc.backend.copy.bind(svc.backend);
    const made: string[] = [];
    let calls = 0;
    const copy = jest.spyOn(svc.backend, 'copy').mockImplementation(async (location, nodeId) => {
      if (++calls === 6) throw new Error('disk full');
      const l = await realCopy(location, nodeId);
      made.push(l);
      return l;
    });
    const remove = jest.spyOn(svc.backend, 'remove');

    const e = await expectFault('TransferFailed', () => copyNode(svc, alice, 'alice/bf', 'alice/bf-copy'));
    // The backend's own message stays in the log: it may name server paths.
    expect(e.detail).not.toContain('disk full');
    expect(e.detail).toMatch(/failed; the error is logged$/);
    expect(e.detail).toContain(t.uri('alice/bf/f'));
    expect(copy.mock.calls.length).toBeGreaterThanOrEqual(6);
    expect(made.length).toBeGreaterThanOrEqual(5);
    expect(remove.mock.calls.map(([l]) => l).sort()).toEqual([...made].sort());
    expect(storedFiles()).toBe(files);
    expect(await rows()).toEqual(before);
    await checkInvariants();

    // The same copy succeeds once the backend works again.
    jest.restoreAllMocks();
    const ok = await copyNode(svc, alice, 'alice/bf', 'alice/bf-copy');
    expect(ok.path).toBe('alice/bf-copy');
    for (let i = 0; i < 10; i++) expect((await readBytes((await locationOf(`alice/bf-copy/f${i}`))!)).toString()).toBe(`file ${i}`);
    await checkInvariants();
  });
});
