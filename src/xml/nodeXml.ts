/** The VOSpace node document: read from clients, written in answers. */
import { XMLBuilder } from 'fast-xml-parser';
import { fault } from '../domain/faults';
import { allProperties, type ChildSummary, type Detail, type NodeListing, type NodeRecord, type NodeView } from '../domain/node';
import { isContainer, isDataType, isLink, isNodeType, type NodeType } from '../domain/nodeTypes';
import { encodeName, nameOf, type NodeUris } from '../domain/paths';
import type { PropertyChange } from '../domain/properties';
import { DATA_NODE_VIEWS } from '../domain/views';
import { VOS_NS, XSI_NS, isVosNs } from './namespaces';
import { attr, childNamed, childrenNamed, parseXml, type XmlElement } from './parse';

export interface NodeDocument {
  uri: string;
  type: NodeType;
  properties: PropertyChange[];
  target?: string;
}

function readType(el: XmlElement): NodeType {
  const t = el.xsiType;
  if (!t) return 'Node';
  // Some clients write xsi:type="vos:ContainerNode" without declaring vos: read the local name.
  if ((t.ns !== undefined && !isVosNs(t.ns)) || !isNodeType(t.local)) {
    throw fault('TypeNotSupported', `${attr(el, 'type', XSI_NS)}`);
  }
  return t.local;
}

function readBool(v: string | undefined): boolean {
  return v !== undefined && ['true', '1'].includes(v.trim());
}

export function parseNodeDocument(body: Buffer | string): NodeDocument {
  const root = parseXml(body);
  if (root.local !== 'node' || !isVosNs(root.ns)) {
    throw fault('InvalidArgument', `expected a vos:node document, got ${root.local}`);
  }
  const uri = attr(root, 'uri');
  if (!uri) throw fault('InvalidURI', 'the node has no uri attribute');
  const type = readType(root);
  const properties: PropertyChange[] = [];
  const props = childNamed(root, 'properties', isVosNs);
  for (const p of props ? childrenNamed(props, 'property', isVosNs) : []) {
    const puri = attr(p, 'uri');
    if (!puri) throw fault('InvalidArgument', 'a property has no uri attribute');
    const nil = readBool(attr(p, 'nil', XSI_NS));
    properties.push({ uri: puri, value: nil ? null : p.text, readOnly: readBool(attr(p, 'readOnly')) });
  }
  const doc: NodeDocument = { uri, type, properties };
  if (type === 'LinkNode') {
    const target = childNamed(root, 'target', isVosNs);
    if (target) doc.target = target.text.trim();
  }
  return doc;
}

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const ATTR_ESCAPES: Record<string, string> = { ...TEXT_ESCAPES, '"': '&quot;', "'": '&apos;', '\n': '&#10;', '\t': '&#9;' };
const escapeText = (value: unknown) => String(value).replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c]);
const escapeAttr = (value: unknown) => String(value).replace(/[&<>"'\r\n\t]/g, (c) => ATTR_ESCAPES[c]);

/**
 * We escape rather than the builder: its own escaping leaves '\r' raw, which
 * every reader turns into '\n' (and '\n'/'\t' in attributes into spaces).
 */
export const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  suppressBooleanAttributes: false,
  suppressEmptyNode: true,
  processEntities: false,
  tagValueProcessor: (_name, value) => escapeText(value),
  attributeValueProcessor: (_name, value) => escapeAttr(value),
});

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** `<vos:${name}>` holding a `<vos:view>` per URI. */
const viewsXml = (name: string, uris: string[]) =>
  uris.length ? `<vos:${name}>${uris.map((u) => `<vos:view uri="${escapeAttr(u)}"/>`).join('')}</vos:${name}>` : `<vos:${name}/>`;

/** What a data node shows of its views with detail=max: the same for every one. */
const DATA_NODE_EXTRAS = `${viewsXml('accepts', DATA_NODE_VIEWS.accepts)}${viewsXml('provides', DATA_NODE_VIEWS.provides)}<vos:capabilities/>`;

function propertiesXml(n: NodeRecord): string {
  let out = '';
  for (const p of allProperties(n)) {
    const open = `<vos:property uri="${escapeAttr(p.uri)}" readOnly="${p.readOnly}"`;
    out += p.value === '' ? `${open}/>` : `${open}>${escapeText(p.value)}</vos:property>`;
  }
  return out ? `<vos:properties>${out}</vos:properties>` : '<vos:properties/>';
}

/**
 * A <vos:node> element, written straight to text as an XML builder would
 * write it (elements without content closed at once; test/unit/xml.test.ts
 * holds the two equal): the builder's object tree cost about as much as the
 * rest of printing a node. `children` are what goes inside <vos:nodes>.
 */
function nodeXml(uris: NodeUris, n: NodeRecord, detail: Detail, children?: string, namespaces = ''): string {
  let open = `<vos:node${namespaces} uri="${escapeAttr(uris.format(n.path))}" xsi:type="vos:${n.type}"`;
  if (isDataType(n.type)) open += ` busy="${n.busy}"`;
  let inside = '';
  if (detail !== 'min') inside += propertiesXml(n);
  if (detail !== 'properties') {
    if (isDataType(n.type) && detail === 'max') inside += DATA_NODE_EXTRAS;
    if (isLink(n.type)) inside += n.target ? `<vos:target>${escapeText(n.target)}</vos:target>` : '<vos:target/>';
    if (isContainer(n.type) && children !== undefined) inside += children ? `<vos:nodes>${children}</vos:nodes>` : NO_CHILDREN;
  }
  return inside ? `${open}>${inside}</vos:node>` : `${open}/>`;
}

/**
 * A child of a `detail=min` listing, as nodeXml writes it but from a summary:
 * no properties, so no owner, sizes or dates to read.
 */
function summaryXml(parentUri: string, c: ChildSummary): string {
  const open = `<vos:node uri="${escapeAttr(parentUri + encodeName(nameOf(c.path)))}" xsi:type="vos:${c.type}"${isDataType(c.type) ? ` busy="${c.busy}"` : ''}`;
  if (!isLink(c.type)) return `${open}/>`;
  return c.target ? `${open}><vos:target>${escapeText(c.target)}</vos:target></vos:node>` : `${open}><vos:target/></vos:node>`;
}

/** Where a listing's children go when there are none: a tag no escaped value can contain. */
const NO_CHILDREN = '<vos:nodes/>';

const NAMESPACES = ` xmlns:vos="${escapeAttr(VOS_NS)}" xmlns:xsi="${escapeAttr(XSI_NS)}"`;

function wholeDocument(uris: NodeUris, node: NodeRecord, detail: Detail, children?: NodeRecord[]): string {
  return XML_DECLARATION + nodeXml(uris, node, detail, children && childrenXml(uris, detail, children), NAMESPACES);
}

/** The document of a container listing, cut where its children go: what comes before them and what after. */
function around(uris: NodeUris, node: NodeRecord, detail: Detail): { head: string; tail: string } {
  const xml = wholeDocument(uris, node, detail, []);
  const at = xml.indexOf(NO_CHILDREN);
  return { head: xml.slice(0, at), tail: xml.slice(at + NO_CHILDREN.length) };
}

/** Summaries as they go inside <vos:nodes> (`parentUri` ends in '/'). */
const summariesXml = (parentUri: string, summaries: ChildSummary[]) => summaries.map((c) => summaryXml(parentUri, c)).join('');

/** Whole children as they go inside <vos:nodes>. */
const childrenXml = (uris: NodeUris, detail: Detail, children: NodeRecord[]) => children.map((c) => nodeXml(uris, c, detail)).join('');

/** Children printed per piece of a listing: small strings, which V8 frees young, where a whole page's would pile up until a full collection. */
const PIECE = 100;

function* parts<T>(page: T[]): Generator<T[]> {
  for (let i = 0; i < page.length; i += PIECE) yield page.slice(i, i + PIECE);
}

const listsChildren = (node: NodeRecord, detail: Detail) => isContainer(node.type) && detail !== 'properties';

export function printNode(uris: NodeUris, view: NodeView, detail: Detail = 'max'): string {
  const summaries = view.summaries;
  if (!summaries?.length || !listsChildren(view.node, detail)) return wholeDocument(uris, view.node, detail, summaries ? [] : view.children);
  const { head, tail } = around(uris, view.node, detail);
  return `${head}<vos:nodes>${summariesXml(`${uris.format(view.node.path)}/`, summaries)}</vos:nodes>${tail}`;
}

/**
 * The document of a listing whose children come a page at a time, in pieces
 * as they come: byte for byte what printNode writes for all of them at once
 * (test/unit/xml.test.ts holds them equal), so that a listing of any length
 * is written without being held whole.
 */
export async function* printListing(uris: NodeUris, listing: NodeListing, detail: Detail): AsyncGenerator<string> {
  const { node, summaries, children } = listing;
  if (!(summaries ?? children) || !listsChildren(node, detail)) {
    yield wholeDocument(uris, node, detail);
    return;
  }
  const parentUri = `${uris.format(node.path)}/`;
  async function* pages(): AsyncGenerator<string> {
    if (summaries) for await (const page of summaries) for (const part of parts(page)) yield summariesXml(parentUri, part);
    else if (children) for await (const page of children) for (const part of parts(page)) yield childrenXml(uris, detail, part);
  }
  const { head, tail } = around(uris, node, detail);
  let open = false;
  for await (const xml of pages()) {
    if (!xml) continue;
    yield open ? xml : `${head}<vos:nodes>${xml}`;
    open = true;
  }
  yield open ? `</vos:nodes>${tail}` : `${head}${NO_CHILDREN}${tail}`;
}
