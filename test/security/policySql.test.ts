/**
 * The default policy states its read rule twice: as canRead() for one node,
 * and as readableSql() for listings and counts filtered in the database.
 * Generated nodes and callers check that the two always agree, on whichever
 * database the suite runs.
 */
import fc from 'fast-check';
import type { Identity } from '../../src/auth/identity';
import { canRead, defaultPolicy } from '../../src/auth/policy';
import * as store from '../../src/db/nodeStore';
import { P } from '../../src/domain/properties';
import { startTestService, type TestService } from '../helpers/service';

let t: TestService;
let parentId: number;
const userIds: number[] = [];

beforeAll(async () => {
  t = await startTestService();
  for (const name of ['u1', 'u2', 'u3']) await t.user(name);
  const rows: { id: number }[] = await t.running.svc.db('users').select('id').orderBy('id');
  userIds.push(...rows.map((r) => r.id));
  parentId = (await store.getByPath(t.running.svc.db, 'u1'))!.id;
});
afterAll(() => t?.close());

const GROUPS = ['g1', 'g2', 'astro', 'a_b', 'x%y'];
// Separators and truth values on both sides of the line the rule draws: ASCII whitespace counts, others do not.
const spaces = fc.constantFrom(' ', '\t', '\n', '\r\n', '  ', '\u00a0', '');
const groupEntry = fc.oneof(
  fc.constantFrom(...GROUPS, 'G1', 'g', 'g1g', ''),
  fc.constantFrom(...GROUPS).map((g) => `ivo://example.org/gms?${g}`),
  fc.constantFrom(...GROUPS).map((g) => `https://example.org/groups#${g}`),
  fc.constantFrom(...GROUPS).map((g) => `ivo://example.org/${g}/more`),
);
const groupList = fc.array(fc.tuple(spaces, groupEntry), { maxLength: 4 }).map((parts) => parts.map(([s, g]) => s + g).join(''));
const truth = fc.oneof(
  fc.constantFrom('true', 'TRUE', ' yes ', '1', '\ttrue\n', 'false', '0', 'no', 'truee', '\u00a0true', 'tru e', ''),
  fc.string({ maxLength: 6 }),
);

interface Spec {
  owner: number | null;
  props: { uri: string; value: string }[];
}
const nodeSpec: fc.Arbitrary<Spec> = fc.record({
  owner: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
  props: fc
    .record({
      publicread: fc.option(truth, { nil: undefined }),
      ispublic: fc.option(truth, { nil: undefined }),
      groupread: fc.option(groupList, { nil: undefined }),
      groupwrite: fc.option(groupList, { nil: undefined }),
    })
    .map((r) =>
      Object.entries(r)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => ({ uri: P[k as keyof typeof P], value: v as string })),
    ),
});
const caller: fc.Arbitrary<Identity> = fc.oneof(
  fc.constant<Identity>({ userId: null, name: null, admin: false, groups: [] }),
  fc.record({
    userId: fc.integer({ min: 0, max: 2 }),
    groups: fc.subarray([...GROUPS, 'other']),
    admin: fc.boolean(),
  }).map(({ userId, groups, admin }) => ({ userId, name: `u${userId}`, admin, groups })),
);

let batch = 0;

test('readableSql selects exactly the children canRead allows', async () => {
  const db = t.running.svc.db;
  await fc.assert(
    fc.asyncProperty(fc.array(nodeSpec, { minLength: 1, maxLength: 8 }), fc.array(caller, { minLength: 1, maxLength: 4 }), async (specs, callers) => {
      const dir = `u1/b${batch++}`;
      const container = (await store.insertNode(db, { parentId, path: dir, name: dir.slice(3), type: 'ContainerNode', ownerId: userIds[0] }, []))?.id;
      for (const [i, s] of specs.entries()) {
        const ownerId = s.owner === null ? null : userIds[s.owner];
        await store.insertNode(
          db,
          { parentId: container!, path: `${dir}/n${i}`, name: `n${i}`, type: 'DataNode', ownerId },
          s.props.map((p) => ({ ...p, readOnly: false })),
        );
      }
      const children = await store.listChildren(db, container!, { limit: 100, withProps: true });
      for (const c of callers) {
        const who = { ...c, userId: c.userId === null ? null : userIds[c.userId] };
        const visible = defaultPolicy.readableSql!(who);
        const bySql = (await store.listChildren(db, container!, { limit: 100, withProps: false, visible })).map((n) => n.name);
        const byJs = children.filter((n) => canRead(who, n)).map((n) => n.name);
        expect(bySql).toEqual(byJs);
        const counted = (await store.countChildrenOf(db, [container!], visible)).get(container!) ?? 0;
        expect(counted).toBe(byJs.length);
      }
    }),
    { seed: Number(process.env.FUZZ_SEED ?? 4242), numRuns: Number(process.env.FUZZ_RUNS ?? 60) },
  );
});
