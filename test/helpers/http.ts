/** Small HTTP client over a real socket (Node's fetch), VOSpace documents to send, and the check of a fault answer. */
import type { IncomingHttpHeaders } from 'node:http';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

export async function request(
  method: string,
  url: string,
  opts: { token?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const body = typeof opts.body === 'string' || opts.body === undefined ? opts.body : new Uint8Array(opts.body);
  const res = await fetch(url, { method, headers, body, redirect: 'manual' });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/**
 * Asserts a VOSpace fault answer: the status, text/plain, and a body
 * `FaultName: detail`. Takes a fetch reply or a node:http one (raw tests).
 */
export function expectFault(r: { status: number; text: string; headers: Headers | IncomingHttpHeaders }, status: number, name: string): void {
  const type = r.headers instanceof Headers ? r.headers.get('content-type') : r.headers['content-type'];
  expect({ status: r.status, body: r.text, type }).toEqual({
    status,
    body: expect.stringMatching(new RegExp(`^${name}: \\S`)),
    type: expect.stringMatching(/^text\/plain/),
  });
}

export const VOS = 'http://www.ivoa.net/xml/VOSpace/v2.0';
export const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
export const CORE = 'ivo://ivoa.net/vospace/core#';

export interface Prop {
  uri: string;
  value?: string;
  nil?: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

/** A node document written with the `vos:` prefix (or another prefix, or a default namespace with prefix ''). */
export function nodeXml(uri: string, type = 'vos:DataNode', props: Prop[] = [], opts: { prefix?: string; target?: string } = {}): string {
  const p = opts.prefix ?? 'vos';
  const el = (n: string) => (p ? `${p}:${n}` : n);
  const nsDecl = p ? `xmlns:${p}="${VOS}"` : `xmlns="${VOS}"`;
  const typeAttr = type ? ` xsi:type="${type}"` : '';
  const propsXml = props.length
    ? `<${el('properties')}>${props
        .map((q) => (q.nil ? `<${el('property')} uri="${esc(q.uri)}" xsi:nil="true"/>` : `<${el('property')} uri="${esc(q.uri)}">${esc(q.value ?? '')}</${el('property')}>`))
        .join('')}</${el('properties')}>`
    : '';
  const target = opts.target !== undefined ? `<${el('target')}>${esc(opts.target)}</${el('target')}>` : '';
  return `<${el('node')} ${nsDecl} xmlns:xsi="${XSI}"${typeAttr} uri="${esc(uri)}">${propsXml}${target}</${el('node')}>`;
}

/** Values of a property in a node document (by namespace-agnostic regex: good enough for assertions). */
export function propValue(xml: string, uri: string): string | undefined {
  const m = new RegExp(`<[\\w:]*property uri="${uri.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^>]*>([^<]*)<`).exec(xml);
  return m?.[1];
}

/** URIs of the children listed in a container document. */
export function childUris(xml: string): string[] {
  const nodes = /<vos:nodes>([\s\S]*)<\/vos:nodes>/.exec(xml)?.[1] ?? '';
  return [...nodes.matchAll(/<vos:node uri="([^"]+)"/g)].map((m) => m[1]);
}
