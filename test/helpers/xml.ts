/**
 * A small namespace-aware XML tree for assertions, built with saxes here so
 * tests do not lean on the service's own parser (src/xml/parse.ts).
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';

export interface El {
  ns: string;
  local: string;
  /** Keyed `{ns}local`, or `local` without a namespace. */
  attrs: Map<string, string>;
  children: El[];
  text: string;
}

/** Parses a whole document; throws on anything that is not well-formed XML. */
export function parseXml(xml: string): El {
  const parser = new SaxesParser({ xmlns: true });
  const stack: El[] = [];
  let root: El | undefined;
  parser.on('opentag', (tag: SaxesTagNS) => {
    const el: El = { ns: tag.uri ?? '', local: tag.local, attrs: new Map(), children: [], text: '' };
    for (const a of Object.values(tag.attributes)) {
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      el.attrs.set(a.uri ? `{${a.uri}}${a.local}` : a.local, a.value);
    }
    if (stack.length) stack[stack.length - 1].children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('text', (t) => {
    if (stack.length) stack[stack.length - 1].text += t;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.write(xml).close();
  if (!root) throw new Error('empty document');
  return root;
}
