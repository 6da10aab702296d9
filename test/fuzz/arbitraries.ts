/**
 * fast-check generators for REST requests: node paths (odd segments,
 * encodings, dots, unicode, overlong), node documents and transfer documents
 * (valid-ish and broken), and requests on /vospace/nodes, /vospace/transfers
 * and /vospace/synctrans made from them. Names come mostly from a small set,
 * so that the requests of one run meet each other's nodes.
 */
import fc from 'fast-check';
import { CORE, VOS, XSI } from '../helpers/http';

export const AUTHORITY = 'example.org';
const SSO_TOKEN = 'ivo://ivoa.net/sso#token';

export type Caller = 'alice' | 'bob' | 'root' | 'anonymous' | 'forged';

export interface FuzzRequest {
  method: string;
  /** The request target, sent byte for byte. */
  target: string;
  caller: Caller;
  body?: string;
  contentType?: string;
}

/** Names a node may have, unusual ones included. */
const GOOD = ['d', 'x', 'sub', 'f', 'e f', 'é', '%C3%A9', '日本', '🚀', 'a%20b', '100%25', '~', "'", '&amp;', '.auto'];
/** Names that must be refused (or that mean something else in a URL). */
const ODD = [
  '.', '..', '%2e', '%2e%2e', '.%2e', '%2f', 'a%2Fb', '%00', 'a%00b', '%0a', '%7f', '%c2%85', '.null', '%', '%zz', '%ed%a0%80', '%ff', '%c0%ae',
  'n'.repeat(255), 'n'.repeat(256), '', '?', '#', '<',
];

const percentBytes = fc.uint8Array({ minLength: 1, maxLength: 6 }).map((b) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join(''));

/** One path segment as it stands in a URL (percent-encoded, or meant to be odd). */
export const segment = fc.oneof(
  { weight: 24, arbitrary: fc.constantFrom(...GOOD) },
  { weight: 6, arbitrary: fc.constantFrom(...ODD) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }) },
  { weight: 1, arbitrary: percentBytes },
  { weight: 1, arbitrary: fc.integer({ min: 240, max: 300 }).map((n) => 'q'.repeat(n)) },
);

/** A path of good names in alice's home: requests on these mostly succeed, and build a tree the others then meet. */
const tamePath = fc.array(fc.constantFrom('d', 'x', 'e f', '%C3%A9'), { minLength: 1, maxLength: 2 }).map((names) => ['alice', ...names].join('/'));

/** Any node path, without a leading slash: odd names, other homes, the root, overlong ones, noise. */
const wildPath = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .tuple(fc.constantFrom('alice', 'alice', 'alice', 'alice', 'alice', 'alice', 'bob', 'root', '', 'nobody'), fc.array(segment, { minLength: 1, maxLength: 3 }))
      .map(([home, rest]) => [home, ...rest].join('/')),
  },
  { weight: 1, arbitrary: fc.constantFrom('alice', 'bob', '') },
  { weight: 1, arbitrary: fc.constantFrom(Array.from({ length: 20 }, () => 'p'.repeat(250)).join('/'), `alice/${Array.from({ length: 17 }, () => 'p'.repeat(240)).join('/')}`) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);

/** A node path below the root, without a leading slash. */
export const nodePath = fc.oneof({ weight: 2, arbitrary: tamePath }, { weight: 1, arbitrary: wildPath });

/** Only names that stay in the home (for DELETE: removing a home would leave the rest of a run nothing to do). */
const belowHome = fc
  .tuple(fc.constantFrom('alice', 'bob'), fc.array(segment.filter((s) => s !== ''), { minLength: 1, maxLength: 4 }))
  .map(([home, rest]) => [home, ...rest].join('/'));

/** How a document names its node, given the URL path: mostly the same one, as clients do. */
const uriFor = (p: string, how: string): string => {
  switch (how) {
    case 'same':
      return `vos://${AUTHORITY}!vospace/${p}`;
    case 'tilde':
      return `vos://${AUTHORITY}~vospace/${p}`;
    case 'bare':
      return `/${p}`;
    case 'double':
      return `vos://${AUTHORITY}!vospace//${p}`;
    case 'other':
      return `vos://elsewhere.org!vospace/${p}`;
    default:
      return how;
  }
};
const uriHow = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('same', 'same', 'same', 'tilde', 'bare', 'double', 'other') },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: nodePath.map((q) => `vos://${AUTHORITY}!vospace/${q}`) },
);

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

const propertyUri = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...['title', 'description', 'groupread', 'groupwrite', 'publicread', 'type', 'format'].map((p) => `${CORE}${p}`), 'ivo://example.org/fuzz#a', 'ivo://example.org/fuzz#b') },
  // Computed or admin-only properties.
  { weight: 2, arbitrary: fc.constantFrom(...['quota', 'length', 'MD5', 'date', 'ctime', 'creator', 'ispublic'].map((p) => `${CORE}${p}`)) },
  { weight: 1, arbitrary: fc.constantFrom('urn:x', '', 'not a uri', `${CORE}`) },
  { weight: 1, arbitrary: fc.webUrl() },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
);

const propertyValue = fc.oneof(
  { weight: 12, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 4, arbitrary: fc.constantFrom('true', 'false', 'astro', 'astro lab', 'ivo://example.org/gms?astro', '0', '-1', '1e99', '2026-01-01T00:00:00Z', '') },
  // Control characters (most are not even allowed in XML 1.0), raw.
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom('v'.repeat(60_000), 'v'.repeat(70_000), 'é'.repeat(40_000)) },
);

const property = fc.record({
  uri: propertyUri,
  value: propertyValue,
  nil: fc.boolean(),
  readOnly: fc.option(fc.constantFrom('true', 'false', 'maybe'), { freq: 4, nil: undefined }),
  escape: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
});

function propertyXml(p: { uri: string; value: string; nil: boolean; readOnly?: string; escape: boolean }): string {
  const ro = p.readOnly === undefined ? '' : ` readOnly="${p.readOnly}"`;
  if (p.nil) return `<vos:property uri="${esc(p.uri)}"${ro} xsi:nil="true"/>`;
  // Mostly escaped; sometimes raw, as a careless client would send it.
  return `<vos:property uri="${esc(p.uri)}"${ro}>${p.escape ? esc(p.value) : p.value}</vos:property>`;
}

const TYPES = [
  ...Array(4).fill('vos:ContainerNode'), ...Array(3).fill('vos:DataNode'), 'vos:LinkNode', 'vos:Node', 'vos:UnstructuredDataNode', 'vos:StructuredDataNode', '',
  'vos:Bogus', 'DataNode', 'ns9:ContainerNode', 'xs:string',
];

const views = fc.array(fc.constantFrom(`${CORE}anyview`, `${CORE}defaultview`, `${CORE}binaryview`, `${CORE}tar`, 'ivo://example.org/view', ''), { maxLength: 3 });

/** A node document for the node at `p` (the URL path). */
const nodeDocFor = (p: string) =>
  fc
    .record({
      type: fc.constantFrom(...TYPES),
      how: uriHow,
      props: fc.array(property, { maxLength: 4 }),
      target: fc.option(fc.oneof(nodePath.map((q) => `vos://${AUTHORITY}!vospace/${q}`), fc.webUrl(), fc.string({ maxLength: 20 })), { nil: undefined }),
      accepts: fc.option(views, { freq: 4, nil: undefined }),
      children: fc.array(nodePath, { maxLength: 2 }),
      busy: fc.option(fc.constantFrom('true', 'false', 'x'), { freq: 4, nil: undefined }),
      extraDepth: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 40 }) }),
      prefix: fc.constantFrom('vos', 'vos', 'ns0', ''),
    })
    .map((d) => {
      const typeAttr = d.type ? ` xsi:type="${d.type}"` : '';
      const busy = d.busy === undefined ? '' : ` busy="${d.busy}"`;
      let inner = '';
      if (d.props.length) inner += `<vos:properties>${d.props.map(propertyXml).join('')}</vos:properties>`;
      if (d.target !== undefined) inner += `<vos:target>${esc(d.target)}</vos:target>`;
      if (d.accepts) inner += `<vos:accepts>${d.accepts.map((v) => `<vos:view uri="${esc(v)}"/>`).join('')}</vos:accepts>`;
      if (d.children.length) inner += `<vos:nodes>${d.children.map((c) => `<vos:node uri="vos://${AUTHORITY}!vospace/${esc(c)}"/>`).join('')}</vos:nodes>`;
      inner += `${'<vos:x>'.repeat(d.extraDepth)}${'</vos:x>'.repeat(d.extraDepth)}`;
      const doc = `<vos:node xmlns:vos="${VOS}" xmlns:xsi="${XSI}"${typeAttr}${busy} uri="${esc(uriFor(p, d.how))}">${inner}</vos:node>`;
      // Another prefix, or the default namespace: the service reads by namespace.
      if (d.prefix === 'vos') return doc;
      return d.prefix === '' ? doc.replace(/<(\/?)vos:/g, '<$1').replace('xmlns:vos=', 'xmlns=') : doc.replace(/vos:(?!\/\/)/g, `${d.prefix}:`).replace('xmlns:vos=', `xmlns:${d.prefix}=`);
    });

const tameProperty = fc.record({
  uri: fc.constantFrom(`${CORE}title`, `${CORE}description`, `${CORE}format`, 'ivo://example.org/fuzz#a'),
  value: fc.string({ unit: 'grapheme', maxLength: 30 }),
  nil: fc.boolean(),
  escape: fc.constant(true),
});

/** A node document as a well-behaved client writes it, for the node at `p`. */
const tameDocFor = (p: string) =>
  fc
    .record({
      type: fc.constantFrom('vos:ContainerNode', 'vos:ContainerNode', 'vos:DataNode', 'vos:LinkNode'),
      props: fc.array(tameProperty, { maxLength: 3 }),
      target: tamePath.map((q) => `vos://${AUTHORITY}!vospace/${q}`),
    })
    .map((d) => {
      const props = d.props.length ? `<vos:properties>${d.props.map(propertyXml).join('')}</vos:properties>` : '';
      const target = d.type === 'vos:LinkNode' ? `<vos:target>${esc(d.target)}</vos:target>` : '';
      return `<vos:node xmlns:vos="${VOS}" xmlns:xsi="${XSI}" xsi:type="${d.type}" uri="${esc(uriFor(p, 'same'))}">${props}${target}</vos:node>`;
    });

/** A document, or a broken version of it: cut short, with a DOCTYPE, a wrong closing tag, or replaced by noise. */
const breakable = (doc: fc.Arbitrary<string>) =>
  doc.chain((d) =>
    fc.oneof(
      { weight: 12, arbitrary: fc.constant(d) },
      { weight: 1, arbitrary: fc.nat({ max: Math.max(0, d.length - 1) }).map((n) => d.slice(0, n)) },
      { weight: 1, arbitrary: fc.constant(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${d}`) },
      { weight: 1, arbitrary: fc.constant(d.replace(/<\/([\w:]+)>$/, '</$1x>')) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
      { weight: 1, arbitrary: fc.constantFrom('', '{"uri": "x"}', '<', '<?xml version="1.0"?>', `<vos:node xmlns:vos="${VOS}"/>`) },
    ),
  );

const DIRECTIONS = ['pushToVoSpace', 'pullFromVoSpace', 'pushFromVoSpace', 'pullToVoSpace', 'bogus', ''];
const PROTOCOLS = ['httpput', 'httpget', 'httpsput', 'httpsget'].map((p) => `${CORE}${p}`);

const transferParts = fc.record({
  target: fc.oneof({ weight: 8, arbitrary: nodePath.map((q) => `vos://${AUTHORITY}!vospace/${q}`) }, { weight: 1, arbitrary: nodePath.map((q) => `/${q}`) }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) }),
  direction: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...DIRECTIONS) }, { weight: 2, arbitrary: nodePath.map((q) => `vos://${AUTHORITY}!vospace/${q}`) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) }),
  view: fc.option(fc.constantFrom(`${CORE}tar`, `${CORE}anyview`, `${CORE}defaultview`, `${CORE}binaryview`, 'ivo://example.org/nope', ''), { nil: undefined }),
  protocols: fc.array(
    fc.record({
      uri: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PROTOCOLS) }, { weight: 1, arbitrary: fc.constantFrom('ivo://example.org/proto', '', 'httpput') }),
      endpoint: fc.option(fc.oneof(fc.webUrl(), fc.constant('file:///etc/passwd')), { nil: undefined }),
      securityMethod: fc.option(fc.constantFrom(SSO_TOKEN, 'ivo://ivoa.net/sso#cookie', 'x'), { nil: undefined }),
    }),
    { maxLength: 3 },
  ),
  keepBytes: fc.option(fc.constantFrom('true', 'false', 'yes', ''), { nil: undefined }),
  params: fc.array(fc.record({ uri: fc.constantFrom(`${CORE}length`, 'ivo://example.org/p', ''), value: fc.constantFrom('10', '-5', 'x', '99999999999999999999', '') }), { maxLength: 2 }),
  version: fc.option(fc.constantFrom('2.1', '2.0', '9'), { nil: undefined }),
});

type TransferParts = typeof transferParts extends fc.Arbitrary<infer T> ? T : never;

function transferXml(t: TransferParts): string {
  const version = t.version === undefined ? '' : ` version="${t.version}"`;
  const view = t.view === undefined ? '' : `<vos:view uri="${esc(t.view)}"/>`;
  const protocols = t.protocols
    .map((p) => {
      const ep = p.endpoint === undefined ? '' : `<vos:endpoint>${esc(p.endpoint)}</vos:endpoint>`;
      const sm = p.securityMethod === undefined ? '' : `<vos:securityMethod uri="${esc(p.securityMethod)}"/>`;
      return `<vos:protocol uri="${esc(p.uri)}">${ep}${sm}</vos:protocol>`;
    })
    .join('');
  const keep = t.keepBytes === undefined ? '' : `<vos:keepBytes>${t.keepBytes}</vos:keepBytes>`;
  const params = t.params.map((p) => `<vos:param uri="${esc(p.uri)}">${esc(p.value)}</vos:param>`).join('');
  return `<vos:transfer xmlns:vos="${VOS}"${version}><vos:target>${esc(t.target)}</vos:target><vos:direction>${esc(t.direction)}</vos:direction>${view}${protocols}${keep}${params}</vos:transfer>`;
}

const transferDoc = breakable(transferParts.map(transferXml));

const caller = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Caller>('alice') },
  { weight: 1, arbitrary: fc.constantFrom<Caller>('bob', 'root', 'anonymous', 'forged') },
);

const listingQuery = fc
  .record({
    detail: fc.option(fc.constantFrom('min', 'max', 'properties', 'bogus', ''), { nil: undefined }),
    limit: fc.option(fc.oneof(fc.integer({ min: -2, max: 20_000 }).map(String), fc.constantFrom('x', '', '1e3', '99999999999999999999')), { nil: undefined }),
    uri: fc.option(nodePath.map((q) => `vos://${AUTHORITY}!vospace/${q}`), { nil: undefined }),
  })
  .map((q) => {
    const parts = Object.entries(q)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${encodeURIComponent(v as string)}`);
    return parts.length ? `?${parts.join('&')}` : '';
  });

const XML = 'text/xml';

/** One request on /vospace/nodes, /vospace/transfers or /vospace/synctrans. */
export const request: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ p: nodePath, q: listingQuery, caller }).map(({ p, q, caller }) => ({ method: 'GET', target: `/vospace/nodes/${p}${q}`, caller })) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(nodePath, caller, fc.constantFrom('PUT', 'PUT', 'POST'))
      .chain(([p, who, method]) =>
        fc.oneof({ weight: 2, arbitrary: tameDocFor(p) }, { weight: 1, arbitrary: breakable(nodeDocFor(p)) }).map((body) => ({ method, target: `/vospace/nodes/${p}`, caller: who, body, contentType: XML })),
      ),
  },
  { weight: 1, arbitrary: fc.record({ p: fc.oneof(tamePath, belowHome), caller }).map(({ p, caller }) => ({ method: 'DELETE', target: `/vospace/nodes/${p}`, caller })) },
  {
    weight: 3,
    arbitrary: fc
      .record({ body: transferDoc, caller, where: fc.constantFrom('/vospace/transfers', '/vospace/transfers?PHASE=RUN', '/vospace/transfers?PHASE=RUN', '/vospace/synctrans') })
      .map(({ body, caller, where }) => ({ method: 'POST', target: where, caller, body, contentType: XML })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ t: transferParts, caller, method: fc.constantFrom('GET', 'POST'), redirect: fc.boolean() })
      .map(({ t, caller, method, redirect }) => {
        const params = new URLSearchParams({ TARGET: t.target, DIRECTION: t.direction });
        for (const p of t.protocols) params.append('PROTOCOL', p.uri);
        if (t.view !== undefined) params.set('VIEW', t.view);
        if (redirect) params.set('REQUEST', 'redirect');
        // POST sends the parameters as a form; GET in the query.
        return method === 'GET'
          ? { method, target: `/vospace/synctrans?${params}`, caller }
          : { method, target: '/vospace/synctrans', caller, body: params.toString(), contentType: 'application/x-www-form-urlencoded' };
      }),
  },
  // The other verbs on the same resources.
  {
    weight: 1,
    arbitrary: fc
      .record({ method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE'), where: fc.constantFrom('/vospace/transfers', '/vospace/synctrans', '/vospace/nodes', '/vospace/nodes/'), caller, body: fc.option(fc.string({ maxLength: 50 }), { nil: undefined }) })
      .map(({ method, where, caller, body }) => ({ method, target: where, caller, body })),
  },
);
