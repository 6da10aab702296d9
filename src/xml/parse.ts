/**
 * Hardened, namespace-aware XML reading. saxes does the parsing (strict XML
 * 1.0, namespaces resolved, no entity expansion beyond the five predefined
 * ones); here we refuse DTDs outright, bound the depth and element count,
 * insist on UTF-8, and keep a small element tree.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { fault } from '../domain/faults';
import { XSI_NS } from './namespaces';

export interface QName {
  /** Namespace the prefix resolves to; undefined when the document never declared it. */
  ns: string | undefined;
  local: string;
}

export interface XmlElement {
  ns: string;
  local: string;
  /** Attributes keyed `{ns}local` (no namespace: just `local`). */
  attrs: Map<string, string>;
  /** xsi:type, resolved against the namespaces in scope where it stands. */
  xsiType?: QName;
  children: XmlElement[];
  text: string;
}

export interface ParseLimits {
  maxDepth: number;
  maxElements: number;
}

const DEFAULT_LIMITS: ParseLimits = { maxDepth: 32, maxElements: 200_000 };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export const attrKey = (ns: string, local: string) => (ns ? `{${ns}}${local}` : local);

export function attr(el: XmlElement, local: string, ns = ''): string | undefined {
  return el.attrs.get(attrKey(ns, local));
}

export function parseXml(body: Buffer | string, limits: ParseLimits = DEFAULT_LIMITS): XmlElement {
  let text: string;
  try {
    text = typeof body === 'string' ? body : utf8.decode(body);
  } catch {
    throw fault('InvalidArgument', 'the document is not valid UTF-8');
  }
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let count = 0;

  parser.on('doctype', () => {
    throw fault('InvalidArgument', 'XML document type declarations (DOCTYPE, entities) are not accepted');
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (stack.length >= limits.maxDepth) throw fault('InvalidArgument', `XML nested deeper than ${limits.maxDepth}`);
    if (++count > limits.maxElements) throw fault('InvalidArgument', `XML has more than ${limits.maxElements} elements`);
    const el: XmlElement = { ns: tag.uri ?? '', local: tag.local ?? tag.name, attrs: new Map(), children: [], text: '' };
    for (const a of Object.values(tag.attributes)) {
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      el.attrs.set(attrKey(a.uri ?? '', a.local), a.value);
      if (a.uri === XSI_NS && a.local === 'type') {
        const i = a.value.indexOf(':');
        const prefix = i < 0 ? '' : a.value.slice(0, i);
        el.xsiType = { ns: parser.resolve(prefix), local: a.value.slice(i + 1).trim() };
      }
    }
    if (stack.length) stack[stack.length - 1].children.push(el);
    else root = el;
    stack.push(el);
  });
  const onText = (t: string) => {
    if (stack.length) stack[stack.length - 1].text += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    stack.pop();
  });
  try {
    parser.write(text).close();
  } catch (e) {
    if (e instanceof Error && e.name === 'VOSpaceFault') throw e;
    throw fault('InvalidArgument', `malformed XML: ${(e as Error).message}`);
  }
  if (!root) throw fault('InvalidArgument', 'empty XML document');
  return root;
}

/** Child elements with this local name whose namespace passes `nsOk`. */
export function childrenNamed(el: XmlElement, local: string, nsOk: (ns: string) => boolean): XmlElement[] {
  return el.children.filter((c) => c.local === local && nsOk(c.ns));
}

export function childNamed(el: XmlElement, local: string, nsOk: (ns: string) => boolean): XmlElement | undefined {
  return el.children.find((c) => c.local === local && nsOk(c.ns));
}
