/** The tests' GraphQL client over real HTTP (POST /graphql), and checks of its answers. */
import { request } from './http';
import type { TestService } from './service';

export interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [k: string]: unknown };
}

export interface GqlReply<T> {
  status: number;
  text: string;
  data: T | null | undefined;
  errors: GqlError[] | undefined;
}

export interface PropertyOut {
  uri: string;
  value: string;
  readOnly: boolean;
}

/** POSTs one GraphQL operation to /graphql; `token` null or undefined is anonymous. */
export async function gql<T = any>(
  t: TestService,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string | null,
  headers: Record<string, string> = {},
): Promise<GqlReply<T>> {
  const reply = await request('POST', `${t.origin}/graphql`, {
    token: token ?? undefined,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  let body: { data?: T | null; errors?: GqlError[] };
  try {
    body = JSON.parse(reply.text);
  } catch {
    throw new Error(`/graphql answered ${reply.status} with a body that is not JSON: ${reply.text.slice(0, 500)}`);
  }
  return { status: reply.status, text: reply.text, data: body.data, errors: body.errors };
}

/** Like gql, but fails (showing the errors) unless the operation succeeded without errors. */
export async function gqlOk<T = any>(
  t: TestService,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string | null,
): Promise<T> {
  const r = await gql<T>(t, query, variables, token);
  if (r.status !== 200 || r.errors?.length || !r.data) {
    throw new Error(`GraphQL operation failed (HTTP ${r.status}): ${r.text.slice(0, 2000)}`);
  }
  return r.data;
}

/** The error codes of a reply, in order. */
export const codes = (r: GqlReply<unknown>) => (r.errors ?? []).map((e) => e.extensions?.code);

/** Runs an operation that must fail with exactly one error, of this code, and no data; returns the reply. */
export async function expectCode(t: TestService, query: string, variables: Record<string, unknown>, token: string | null, code: string): Promise<GqlReply<any>> {
  const r = await gql(t, query, variables, token);
  expect({ codes: codes(r), data: r.data }).toEqual({ codes: [code], data: null });
  return r;
}

/** Properties as a uri → {value, readOnly} map, for comparisons that ignore order. */
export function propMap(props: PropertyOut[]): Record<string, { value: string; readOnly: boolean }> {
  return Object.fromEntries(props.map((p) => [p.uri, { value: p.value, readOnly: p.readOnly }]));
}

/** Byte order of UTF-8 names: how the service (COLLATE "C") orders children. */
export const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
