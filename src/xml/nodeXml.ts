/** The VOSpace node document: read from clients, written in answers. */
import { XMLBuilder } from 'fast-xml-parser';
import { fault } from '../domain/faults';
import { allProperties, type ChildSummary, type Detail, type NodeRecord, type NodeView } from '../domain/node';
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
const ATTR_ESCAPES: Record<string, string> = { ...TEXT_ESCAPES, '"': '&quot;', '\n': '&#10;', '\t': '&#9;' };
const escapeText = (value: unknown) => String(value).replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c]);
const escapeAttr = (value: unknown) => String(value).replace(/[&<>"\r\n\t]/g, (c) => ATTR_ESCAPES[c]);

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

type XmlObject = Record<string, unknown>;


function nodeElement(uris: NodeUris, n: NodeRecord, detail: Detail, children?: NodeRecord[]): XmlObject {
  const el: XmlObject = { '@uri': uris.format(n.path), '@xsi:type': `vos:${n.type}` };
  if (isDataType(n.type)) el['@busy'] = String(n.busy);
  if (detail !== 'min') {
    el['vos:properties'] = {
      'vos:property': allProperties(n).map((p) => ({ '@uri': p.uri, '@readOnly': String(p.readOnly), '#text': p.value })),
    };
  }
  if (detail === 'properties') return el;
  if (isDataType(n.type) && detail === 'max') {
    el['vos:accepts'] = { 'vos:view': DATA_NODE_VIEWS.accepts.map((v) => ({ '@uri': v })) };
    el['vos:provides'] = { 'vos:view': DATA_NODE_VIEWS.provides.map((v) => ({ '@uri': v })) };
    el['vos:capabilities'] = '';
  }
  if (isLink(n.type)) el['vos:target'] = n.target ?? '';
  if (isContainer(n.type) && children) {
    el['vos:nodes'] = { 'vos:node': children.map((c) => nodeElement(uris, c, detail)) };
  }
  return el;
}

/**
 * A child of a `detail=min` listing, written as the builder would write it
 * (test/unit/xml.test.ts holds them equal) but straight to text: the builder
 * costs about 3 µs a child, most of a listing of thousands.
 */
function summaryXml(parentUri: string, c: ChildSummary): string {
  const open = `<vos:node uri="${escapeAttr(parentUri + encodeName(nameOf(c.path)))}" xsi:type="vos:${c.type}"${isDataType(c.type) ? ` busy="${c.busy}"` : ''}`;
  if (!isLink(c.type)) return `${open}/>`;
  return c.target ? `${open}><vos:target>${escapeText(c.target)}</vos:target></vos:node>` : `${open}><vos:target/></vos:node>`;
}

export function printNode(uris: NodeUris, view: NodeView, detail: Detail = 'max'): string {
  const el = nodeElement(uris, view.node, detail, view.summaries ? [] : view.children);
  const root = { '@xmlns:vos': VOS_NS, '@xmlns:xsi': XSI_NS, ...el };
  const xml = XML_DECLARATION + builder.build({ 'vos:node': root });
  const summaries = view.summaries;
  if (!summaries?.length || !isContainer(view.node.type)) return xml;
  // The builder wrote an empty <vos:nodes/>, a tag no escaped value can contain: the children go there.
  const parentUri = `${uris.format(view.node.path)}/`;
  return xml.replace('<vos:nodes/>', () => `<vos:nodes>${summaries.map((c) => summaryXml(parentUri, c)).join('')}</vos:nodes>`);
}
