/**
 * The hardened XML reader (src/xml/parse.ts) and the node document on top of
 * it (parseNodeDocument, printNode). Hostile input must end in a VOSpace
 * fault (InvalidArgument, or TypeNotSupported for a type), quickly, and never
 * expand an entity or read a file.
 */
import fc from 'fast-check';
import { allProperties, type NodeRecord } from '../../src/domain/node';
import { isDataType } from '../../src/domain/nodeTypes';
import { DATA_NODE_VIEWS } from '../../src/domain/views';
import { NodeUris } from '../../src/domain/paths';
import { XML_DECLARATION, builder, parseNodeDocument, printListing, printNode } from '../../src/xml/nodeXml';
import { attr, parseXml, type XmlElement } from '../../src/xml/parse';
import { expectFault } from '../helpers/faults';

const VOS = 'http://www.ivoa.net/xml/VOSpace/v2.0';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const URI = 'vos://example.org!vospace/alice/x';

/** A vos:node document with the given root attributes and content. */
const node = (attrs: string, content = '') =>
  `<vos:node xmlns:vos="${VOS}" xmlns:xsi="${XSI}" uri="${URI}" ${attrs}>${content}</vos:node>`;

const withProperty = (property: string) => node('xsi:type="vos:DataNode"', `<vos:properties>${property}</vos:properties>`);

describe('DTDs and entities are refused', () => {
  const cases: [string, string][] = [
    ['a bare DOCTYPE', `<!DOCTYPE vos:node>${node('')}`],
    ['an internal entity', `<?xml version="1.0"?><!DOCTYPE vos:node [<!ENTITY e "expanded">]>${withProperty('<vos:property uri="ivo://p">&e;</vos:property>')}`],
    ['an external entity (file:///etc/passwd)', `<?xml version="1.0"?><!DOCTYPE vos:node [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${withProperty('<vos:property uri="ivo://p">&xxe;</vos:property>')}`],
    ['an external entity in an attribute', `<!DOCTYPE vos:node [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><vos:node xmlns:vos="${VOS}" uri="&xxe;"/>`],
    ['an external DTD', `<!DOCTYPE vos:node SYSTEM "http://127.0.0.1:1/evil.dtd">${node('')}`],
    ['a public external DTD', `<!DOCTYPE vos:node PUBLIC "-//EVIL//DTD" "file:///etc/passwd">${node('')}`],
    ['parameter entities', `<!DOCTYPE vos:node [<!ENTITY % p SYSTEM "file:///etc/passwd"><!ENTITY % q "<!ENTITY leak '%p;'>"> %q;]>${withProperty('<vos:property uri="ivo://p">&leak;</vos:property>')}`],
  ];
  const laughs = ['<!ENTITY lol "lol">'];
  for (let i = 1; i <= 9; i++) laughs.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
  cases.push(['a billion laughs', `<?xml version="1.0"?><!DOCTYPE vos:node [${laughs.join('')}]>${withProperty('<vos:property uri="ivo://p">&lol9;</vos:property>')}`]);
  const quadratic = `<!DOCTYPE vos:node [<!ENTITY a "${'x'.repeat(50_000)}">]>${withProperty(`<vos:property uri="ivo://p">${'&a;'.repeat(20_000)}</vos:property>`)}`;
  cases.push(['a quadratic blowup', quadratic]);

  test.each(cases)('%s: InvalidArgument, from parseXml and parseNodeDocument', (_label, doc) => {
    const started = Date.now();
    const e = expectFault('InvalidArgument', () => parseXml(doc));
    expect(e.message).not.toMatch(/root:/);
    expect(e.message).not.toMatch(/expanded|lollol/);
    expectFault('InvalidArgument', () => parseNodeDocument(doc));
    expectFault('InvalidArgument', () => parseNodeDocument(Buffer.from(doc, 'utf8')));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('a reference to an entity nobody defined', () => {
    expectFault('InvalidArgument', () => parseNodeDocument(withProperty('<vos:property uri="ivo://p">&xxe;</vos:property>')));
    expectFault('InvalidArgument', () => parseXml('<a>&nbsp;</a>'));
    expectFault('InvalidArgument', () => parseXml('<a b="&undefined;"/>'));
  });

  test('a malformed character reference', () => {
    expectFault('InvalidArgument', () => parseXml('<a>&#0;</a>'));
    expectFault('InvalidArgument', () => parseXml('<a>&#xZZ;</a>'));
    expectFault('InvalidArgument', () => parseXml('<a>&#x110000;</a>'));
  });
});

describe('size and shape limits', () => {
  test('100 000-deep nesting fails fast with InvalidArgument, not a stack overflow', () => {
    const depth = 100_000;
    const closed = '<a>'.repeat(depth) + '</a>'.repeat(depth);
    const started = Date.now();
    const e = expectFault('InvalidArgument', () => parseXml(closed));
    expect(e.message).toMatch(/deep/);
    expectFault('InvalidArgument', () => parseXml('<a>'.repeat(depth)));
    const vosDeep = `<vos:node xmlns:vos="${VOS}" uri="${URI}">${'<vos:properties>'.repeat(depth)}${'</vos:properties>'.repeat(depth)}</vos:node>`;
    expectFault('InvalidArgument', () => parseNodeDocument(vosDeep));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('the depth limit sits at the configured depth', () => {
    const nested = (d: number) => '<a>'.repeat(d) + '</a>'.repeat(d);
    expect(parseXml(nested(5), { maxDepth: 5, maxElements: 100 }).local).toBe('a');
    expectFault('InvalidArgument', () => parseXml(nested(6), { maxDepth: 5, maxElements: 100 }));
    // The default lets an ordinary node document through.
    expect(parseXml(nested(10)).local).toBe('a');
  });

  test('more elements than the limit', () => {
    const flat = (n: number) => `<a>${'<b/>'.repeat(n - 1)}</a>`;
    expect(parseXml(flat(10), { maxDepth: 32, maxElements: 10 }).children).toHaveLength(9);
    const e = expectFault('InvalidArgument', () => parseXml(flat(11), { maxDepth: 32, maxElements: 10 }));
    expect(e.message).toMatch(/elements/);
  });

  test('more elements than the default limit in a node document', () => {
    const props = (n: number) => '<vos:property uri="ivo://p">v</vos:property>'.repeat(n);
    // root + properties + 199 998 properties = 200 000 elements: still read.
    expect(parseNodeDocument(node('', `<vos:properties>${props(199_998)}</vos:properties>`)).properties).toHaveLength(199_998);
    expectFault('InvalidArgument', () => parseNodeDocument(node('', `<vos:properties>${props(199_999)}</vos:properties>`)));
  });
});

describe('bytes that are not a well-formed UTF-8 XML document', () => {
  const doc = Buffer.from(withProperty('<vos:property uri="ivo://p">VALUE</vos:property>'), 'utf8');
  const splice = (bytes: number[]) => {
    const at = doc.indexOf('VALUE');
    return Buffer.concat([doc.subarray(0, at), Buffer.from(bytes), doc.subarray(at + 5)]);
  };

  test('the control document is read', () => {
    expect(parseNodeDocument(doc).properties).toEqual([{ uri: 'ivo://p', value: 'VALUE', readOnly: false }]);
    expect(parseNodeDocument(splice([0xc3, 0xa9])).properties[0].value).toBe('é');
  });

  test.each([
    ['a 0xff byte', [0xff]],
    ['a lone continuation byte', [0x80]],
    ['a truncated two-byte sequence', [0xc3]],
    ['a truncated three-byte sequence', [0xe2, 0x82]],
    ['an overlong encoding of <', [0xc0, 0xbc]],
    ['an encoded surrogate (CESU-8)', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['Latin-1 é', [0xe9]],
  ])('%s: InvalidArgument', (_label, bytes) => {
    expectFault('InvalidArgument', () => parseXml(splice(bytes)));
    expectFault('InvalidArgument', () => parseNodeDocument(splice(bytes)));
  });

  test('a UTF-16 document is refused', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(node(''), 'utf16le')]);
    expectFault('InvalidArgument', () => parseNodeDocument(utf16));
  });

  test('a UTF-8 byte order mark is allowed', () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(node('xsi:type="vos:DataNode"'))]);
    expect(parseNodeDocument(bom).type).toBe('DataNode');
  });

  test.each([
    ['an empty body', ''],
    ['only whitespace', '  \n\t '],
    ['only an XML declaration', '<?xml version="1.0" encoding="UTF-8"?>'],
    ['JSON', '{"uri": "vos://example.org!vospace/alice/x"}'],
    ['plain text', 'hello'],
    ['HTML', '<html><body>hi</body>'],
    ['an unclosed root', `<vos:node xmlns:vos="${VOS}" uri="${URI}">`],
    ['mismatched tags', `<vos:node xmlns:vos="${VOS}" uri="${URI}"><vos:properties></vos:node></vos:properties>`],
    ['trailing text', `${node('')}garbage`],
    ['a second root', `${node('')}${node('')}`],
    ['an undeclared element prefix', `<vos:node uri="${URI}"/>`],
    ['an undeclared attribute prefix', `<vos:node xmlns:vos="${VOS}" uri="${URI}" foo:bar="1"/>`],
    ['a duplicate attribute', `<vos:node xmlns:vos="${VOS}" uri="${URI}" uri="${URI}"/>`],
    ['an unquoted attribute', `<vos:node xmlns:vos="${VOS}" uri=${URI}/>`],
    ['a raw < in text', withProperty('<vos:property uri="ivo://p">a < b</vos:property>')],
    ['a raw & in text', withProperty('<vos:property uri="ivo://p">a & b</vos:property>')],
    ['a NUL character', withProperty('<vos:property uri="ivo://p">a\u0000b</vos:property>')],
  ])('%s: InvalidArgument', (_label, text) => {
    expectFault('InvalidArgument', () => parseXml(text));
    expectFault('InvalidArgument', () => parseXml(Buffer.from(text, 'utf8')));
    expectFault('InvalidArgument', () => parseNodeDocument(Buffer.from(text, 'utf8')));
  });
});

describe('text content', () => {
  test('CDATA in a property value is taken literally', () => {
    const doc = parseNodeDocument(withProperty('<vos:property uri="ivo://p"><![CDATA[<b>&amp; & ]] ]]></vos:property>'));
    expect(doc.properties[0].value).toBe('<b>&amp; & ]] ');
  });

  test('CDATA mixed with text and references', () => {
    const doc = parseNodeDocument(withProperty('<vos:property uri="ivo://p">a&lt;<![CDATA[<x/>]]>&#x42;</vos:property>'));
    expect(doc.properties[0].value).toBe('a<<x/>B');
  });

  test('the five predefined entities and character references are decoded', () => {
    const doc = parseNodeDocument(
      withProperty('<vos:property uri="ivo://p?a=1&amp;b=&quot;2&quot;">&lt;&gt;&amp;&quot;&apos; &#65;&#x42;&#x1F600;&#233;</vos:property>'),
    );
    expect(doc.properties[0]).toEqual({ uri: 'ivo://p?a=1&b="2"', value: `<>&"' AB😀é`, readOnly: false });
  });

  test('an empty property is the empty string, not a deletion', () => {
    const doc = parseNodeDocument(withProperty('<vos:property uri="ivo://a"/><vos:property uri="ivo://b"></vos:property>'));
    expect(doc.properties).toEqual([
      { uri: 'ivo://a', value: '', readOnly: false },
      { uri: 'ivo://b', value: '', readOnly: false },
    ]);
  });

  test('a property without a uri is InvalidArgument', () => {
    expectFault('InvalidArgument', () => parseNodeDocument(withProperty('<vos:property>v</vos:property>')));
  });
});

describe('round trip through printNode', () => {
  const uris = new NodeUris('example.org');
  const when = new Date('2024-01-02T03:04:05.000Z');
  const record = (properties: NodeRecord['properties'], path = 'alice/x'): NodeRecord => ({
    id: 1,
    parentId: null,
    path,
    name: path.slice(path.lastIndexOf('/') + 1),
    type: 'DataNode',
    ownerId: 1,
    owner: 'alice',
    target: null,
    size: 0,
    md5: null,
    busy: false,
    location: null,
    ctime: when,
    mtime: when,
    btime: when,
    properties,
  });
  const roundTrip = (uri: string, value: string, path?: string) => {
    const printed = printNode(uris, { node: record([{ uri, value, readOnly: false }], path) });
    const back = parseNodeDocument(printed);
    return { printed, back, prop: back.properties.find((p) => p.uri === uri) };
  };

  test.each([
    ['markup characters', `<>&"'`],
    ['something that looks like an entity', '&amp; &lt; &#65; &xxe;'],
    ['a CDATA terminator', ']]> <![CDATA[x]]>'],
    ['unicode', 'é 日本 😀'],
    ['leading and trailing spaces', '  padded  '],
    ['a tab and a newline', 'a\tb\nc'],
  ])('a property value with %s comes back unchanged', (_label, value) => {
    const { printed, prop } = roundTrip('ivo://example.org/p', value);
    expect(printed).not.toContain('<!DOCTYPE');
    expect(prop).toEqual({ uri: 'ivo://example.org/p', value, readOnly: false });
  });

  test('a property URI with & and " comes back unchanged', () => {
    const uri = 'ivo://example.org/p?a=1&b="2"&c=<3>';
    expect(roundTrip(uri, 'v').prop?.value).toBe('v');
  });

  test('a carriage return (sent as &#13;) comes back unchanged', () => {
    const sent = parseNodeDocument(withProperty('<vos:property uri="ivo://p">a&#13;b&#xD;&#xA;c</vos:property>'));
    expect(sent.properties[0].value).toBe('a\rb\r\nc');
    expect(roundTrip('ivo://p', 'a\rb\r\nc').prop?.value).toBe('a\rb\r\nc');
  });

  test('the node uri survives names with spaces, %, #, ? and unicode', () => {
    const path = 'alice/a b%c#d?e/é😀';
    const { back } = roundTrip('ivo://p', 'v', path);
    expect(uris.parse(back.uri)).toBe(path);
    expect(back.type).toBe('DataNode');
  });

  /** A listed child: any name, type, busy flag, link target and a few properties. */
  const child = fc.record({
    name: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((n) => !n.includes('/')),
    type: fc.constantFrom(...(['DataNode', 'UnstructuredDataNode', 'StructuredDataNode', 'ContainerNode', 'LinkNode', 'Node'] as const)),
    busy: fc.boolean(),
    target: fc.string({ unit: 'binary', maxLength: 12 }),
    properties: fc.array(fc.record({ uri: fc.webUrl(), value: fc.string({ unit: 'binary', maxLength: 12 }), readOnly: fc.boolean() }), { maxLength: 2 }),
  });
  type Child = typeof child extends fc.Arbitrary<infer T> ? T : never;
  const childRecords = (kids: Child[]): NodeRecord[] =>
    kids.map((k, i) => ({ ...record(k.properties, `alice/${k.name}${i}`), type: k.type, busy: k.busy, target: k.type === 'LinkNode' ? k.target : null }));
  /** A container whose property holds the very tag the printer cuts the document at. */
  const parent = { ...record([{ uri: 'ivo://p', value: '<vos:nodes/>', readOnly: false }], 'alice'), type: 'ContainerNode' as const };

  test('a detail=min listing from summaries prints exactly as from whole records', () => {
    fc.assert(
      fc.property(fc.array(child, { maxLength: 6 }), (kids) => {
        const children = childRecords(kids);
        const summaries = children.map(({ path, type, busy, target }) => ({ path, type, busy, target }));
        expect(printNode(uris, { node: parent, summaries }, 'min')).toBe(printNode(uris, { node: parent, children }, 'min'));
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  test('a listing printed a page at a time is byte for byte the document printed whole', async () => {
    /** `rows` cut into pages at `cuts` (empty pages included), handed out asynchronously as a listing's are. */
    async function* paged<T>(rows: T[], cuts: number[]): AsyncGenerator<T[]> {
      let at = 0;
      for (const cut of [...cuts.map((c) => c % (rows.length + 1)).sort((a, b) => a - b), rows.length]) {
        await Promise.resolve();
        yield rows.slice(at, Math.max(at, cut));
        at = Math.max(at, cut);
      }
    }
    const collect = async (pieces: AsyncIterable<string>) => {
      let out = '';
      for await (const p of pieces) out += p;
      return out;
    };
    await fc.assert(
      fc.asyncProperty(fc.array(child, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 4 }), async (kids, cuts) => {
        const children = childRecords(kids);
        for (const detail of ['max', 'min'] as const) {
          const whole = printNode(uris, { node: parent, children }, detail);
          expect(await collect(printListing(uris, { node: parent, children: paged(children, cuts) }, detail))).toBe(whole);
          if (detail === 'min') expect(await collect(printListing(uris, { node: parent, summaries: paged(children, cuts) }, detail))).toBe(whole);
        }
      }),
      { seed: 11, numRuns: 200 },
    );
    // a page longer than the pieces it is printed in
    const many = Array.from({ length: 250 }, (_, i) => record([{ uri: 'ivo://p', value: `v${i}`, readOnly: false }], `alice/c${i}`));
    for (const detail of ['max', 'min'] as const) {
      expect(await collect(printListing(uris, { node: parent, children: paged(many, []) }, detail))).toBe(printNode(uris, { node: parent, children: many }, detail));
    }
    // a node that lists no children prints as printNode prints it
    const data = record([]);
    expect(await collect(printListing(uris, { node: data }, 'max'))).toBe(printNode(uris, { node: data }));
    expect(await collect(printListing(uris, { node: parent, children: paged([], []) }, 'properties'))).toBe(printNode(uris, { node: parent, children: [] }, 'properties'));
  });

  /**
   * The node document as fast-xml-parser's builder writes it from an object
   * tree (how the service printed it before it wrote text directly): the
   * reference the printer must match byte for byte.
   */
  function builderDocument(n: NodeRecord, detail: 'min' | 'max' | 'properties', children?: NodeRecord[]): string {
    const element = (x: NodeRecord, kids?: NodeRecord[]): Record<string, unknown> => {
      const el: Record<string, unknown> = { '@uri': uris.format(x.path), '@xsi:type': `vos:${x.type}` };
      if (isDataType(x.type)) el['@busy'] = String(x.busy);
      if (detail !== 'min') el['vos:properties'] = { 'vos:property': allProperties(x).map((p) => ({ '@uri': p.uri, '@readOnly': String(p.readOnly), '#text': p.value })) };
      if (detail === 'properties') return el;
      if (isDataType(x.type) && detail === 'max') {
        el['vos:accepts'] = { 'vos:view': DATA_NODE_VIEWS.accepts.map((v) => ({ '@uri': v })) };
        el['vos:provides'] = { 'vos:view': DATA_NODE_VIEWS.provides.map((v) => ({ '@uri': v })) };
        el['vos:capabilities'] = '';
      }
      if (x.type === 'LinkNode') el['vos:target'] = x.target ?? '';
      if (x.type === 'ContainerNode' && kids) el['vos:nodes'] = { 'vos:node': kids.map((c) => element(c)) };
      return el;
    };
    return `${XML_DECLARATION}${builder.build({ 'vos:node': { '@xmlns:vos': VOS, '@xmlns:xsi': XSI, ...element(n, children) } })}`;
  }

  test('a node, and a listing of any children, print byte for byte as the XML builder writes them', () => {
    const owner = fc.option(fc.string({ unit: 'binary', maxLength: 8 }), { nil: null });
    fc.assert(
      fc.property(fc.array(child, { minLength: 1, maxLength: 6 }), owner, fc.constantFrom('min', 'max', 'properties' as const), fc.boolean(), (kids, who, detail, listed) => {
        const [first, ...rest] = childRecords(kids).map((c) => ({ ...c, owner: who, md5: c.busy ? 'd41d8cd98f00b204e9800998ecf8427e' : null }));
        expect(printNode(uris, { node: first }, detail)).toBe(builderDocument(first, detail));
        const container = { ...first, type: 'ContainerNode' as const };
        const children = listed ? rest : undefined;
        expect(printNode(uris, { node: container, children }, detail)).toBe(builderDocument(container, detail, children));
      }),
      { seed: 13, numRuns: 500 },
    );
  });

  test('computed properties print as readOnly and read back so', () => {
    const { back } = roundTrip('ivo://p', 'v');
    const length = back.properties.find((p) => p.uri === 'ivo://ivoa.net/vospace/core#length');
    expect(length).toEqual({ uri: 'ivo://ivoa.net/vospace/core#length', value: '0', readOnly: true });
    expect(back.properties.find((p) => p.uri === 'ivo://p')?.readOnly).toBe(false);
  });
});

describe('xsi:nil and readOnly', () => {
  test('xsi:nil="true" (or 1) asks for deletion: value null', () => {
    const doc = parseNodeDocument(
      withProperty(
        '<vos:property uri="ivo://a" xsi:nil="true"/>' +
          '<vos:property uri="ivo://b" xsi:nil="1"></vos:property>' +
          '<vos:property uri="ivo://c" xsi:nil="false">kept</vos:property>' +
          '<vos:property uri="ivo://d" xsi:nil=" true ">x</vos:property>',
      ),
    );
    expect(doc.properties.map((p) => [p.uri, p.value])).toEqual([
      ['ivo://a', null],
      ['ivo://b', null],
      ['ivo://c', 'kept'],
      ['ivo://d', null],
    ]);
  });

  test('nil is read by namespace, not by prefix', () => {
    const doc = parseNodeDocument(
      `<vos:node xmlns:vos="${VOS}" xmlns:i="${XSI}" uri="${URI}"><vos:properties>` +
        '<vos:property uri="ivo://a" i:nil="true"/>' +
        '<vos:property uri="ivo://b" xmlns:xsi="http://example.com/not-xsi" xsi:nil="true">stays</vos:property>' +
        '<vos:property uri="ivo://c" nil="true">stays</vos:property>' +
        '</vos:properties></vos:node>',
    );
    expect(doc.properties.map((p) => [p.uri, p.value])).toEqual([
      ['ivo://a', null],
      ['ivo://b', 'stays'],
      ['ivo://c', 'stays'],
    ]);
  });

  test('readOnly is read as a boolean', () => {
    const doc = parseNodeDocument(
      withProperty(
        '<vos:property uri="ivo://a" readOnly="true">1</vos:property>' +
          '<vos:property uri="ivo://b" readOnly="false">2</vos:property>' +
          '<vos:property uri="ivo://c">3</vos:property>' +
          '<vos:property uri="ivo://d" readOnly="1">4</vos:property>',
      ),
    );
    expect(doc.properties.map((p) => [p.uri, p.readOnly])).toEqual([
      ['ivo://a', true],
      ['ivo://b', false],
      ['ivo://c', false],
      ['ivo://d', true],
    ]);
  });
});

describe('xsi:type', () => {
  const typeOf = (doc: string) => parseNodeDocument(doc).type;

  test('every node type with the vos: prefix', () => {
    for (const t of ['Node', 'DataNode', 'UnstructuredDataNode', 'StructuredDataNode', 'ContainerNode', 'LinkNode'] as const) {
      expect(typeOf(node(`xsi:type="vos:${t}"`))).toBe(t);
    }
  });

  test('no xsi:type means Node', () => {
    expect(typeOf(node(''))).toBe('Node');
  });

  test('the ns0: prefix, elements and type alike', () => {
    const doc = `<ns0:node xmlns:ns0="${VOS}" xmlns:xsi="${XSI}" xsi:type="ns0:LinkNode" uri="${URI}"><ns0:properties><ns0:property uri="ivo://p">v</ns0:property></ns0:properties><ns0:target>vos://example.org!vospace/bob</ns0:target></ns0:node>`;
    expect(parseNodeDocument(doc)).toEqual({
      uri: URI,
      type: 'LinkNode',
      properties: [{ uri: 'ivo://p', value: 'v', readOnly: false }],
      target: 'vos://example.org!vospace/bob',
    });
  });

  test('a default-namespace document with an unprefixed type', () => {
    expect(typeOf(`<node xmlns="${VOS}" xmlns:xsi="${XSI}" xsi:type="ContainerNode" uri="${URI}"/>`)).toBe('ContainerNode');
  });

  test('a default-namespace document typed vos: without declaring vos', () => {
    expect(typeOf(`<node xmlns="${VOS}" xmlns:xsi="${XSI}" xsi:type="vos:ContainerNode" uri="${URI}"/>`)).toBe('ContainerNode');
  });

  test('mixed prefixes in one document', () => {
    const doc = `<ns1:node xmlns:ns1="${VOS}" xmlns:vos="${VOS}" xmlns:xsi="${XSI}" xsi:type="vos:DataNode" uri="${URI}"><vos:properties><ns1:property uri="ivo://p">v</ns1:property></vos:properties></ns1:node>`;
    expect(parseNodeDocument(doc)).toEqual({ uri: URI, type: 'DataNode', properties: [{ uri: 'ivo://p', value: 'v', readOnly: false }] });
  });

  test('the type prefix resolves where the attribute stands, not by its spelling', () => {
    const doc = `<x:node xmlns:x="${VOS}" xmlns:xsi="${XSI}" xmlns:vos="http://example.com/not-vospace" xsi:type="x:DataNode" uri="${URI}"/>`;
    expect(typeOf(doc)).toBe('DataNode');
  });

  test('resolved type QName on the element tree', () => {
    const root: XmlElement = parseXml(`<a xmlns:v="${VOS}" xmlns:xsi="${XSI}" xsi:type="v:DataNode"/>`);
    expect(root.xsiType).toEqual({ ns: VOS, local: 'DataNode' });
    expect(attr(root, 'type', XSI)).toBe('v:DataNode');
  });

  test.each([
    ['an unknown vos: type', 'xsi:type="vos:FooNode"'],
    ['a lower-case type', 'xsi:type="vos:datanode"'],
    ['an empty type', 'xsi:type=""'],
    ['an undeclared prefix with an unknown name', 'xsi:type="foo:Bar"'],
    ['a node type in a foreign namespace', 'xmlns:x="http://example.com/other" xsi:type="x:DataNode"'],
    ['an XML Schema type', 'xmlns:xs="http://www.w3.org/2001/XMLSchema" xsi:type="xs:string"'],
    ['vos: rebound to a foreign namespace', 'xsi:type="v:DataNode" xmlns:v="urn:not-vospace"'],
  ])('%s: TypeNotSupported', (_label, attrs) => {
    const e = expectFault('TypeNotSupported', () => parseNodeDocument(node(attrs)));
    expect(e.status).toBe(400);
  });

  test('an unprefixed type under a foreign default namespace: TypeNotSupported', () => {
    const doc = `<vos:node xmlns:vos="${VOS}" xmlns="http://example.com/other" xmlns:xsi="${XSI}" xsi:type="DataNode" uri="${URI}"/>`;
    expectFault('TypeNotSupported', () => parseNodeDocument(doc));
  });

  test('a type in the pyvospace namespace is read as VOSpace', () => {
    const doc = `<vos:node xmlns:vos="http://www.ivoa.net/xml/VOSpace/v2.1" xmlns:xsi="${XSI}" xsi:type="vos:ContainerNode" uri="${URI}"/>`;
    expect(typeOf(doc)).toBe('ContainerNode');
  });
});

describe('the root element', () => {
  test.each([
    ['a vos:transfer', `<vos:transfer xmlns:vos="${VOS}" version="2.1"><vos:target>${URI}</vos:target></vos:transfer>`],
    ['a vos:property', `<vos:property xmlns:vos="${VOS}" uri="ivo://p">v</vos:property>`],
    ['a node in a foreign namespace', `<x:node xmlns:x="http://example.com/other" uri="${URI}"/>`],
    ['a node in the xsi namespace', `<xsi:node xmlns:xsi="${XSI}" uri="${URI}"/>`],
    ['a differently cased Node', `<vos:Node xmlns:vos="${VOS}" uri="${URI}"/>`],
    ['an HTML page', '<html><body/></html>'],
  ])('%s: InvalidArgument', (_label, doc) => {
    expectFault('InvalidArgument', () => parseNodeDocument(doc));
  });

  test('a node without a uri is InvalidURI', () => {
    expectFault('InvalidURI', () => parseNodeDocument(`<vos:node xmlns:vos="${VOS}"/>`));
  });

  test('a LinkNode target is read and trimmed; other types carry none', () => {
    expect(parseNodeDocument(node('xsi:type="vos:LinkNode"', '<vos:target>\n  http://example.com/x  \n</vos:target>')).target).toBe('http://example.com/x');
    expect(parseNodeDocument(node('xsi:type="vos:DataNode"', '<vos:target>http://example.com/x</vos:target>')).target).toBeUndefined();
  });
});
