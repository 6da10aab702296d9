/**
 * The portal's only way to the service: GraphQL over HTTP (fetch) and over
 * graphql-ws (subscriptions), with the operations' types generated from
 * schema/schema.graphql (src/gql, made by `npm run build`).
 */
import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentString } from '../gql/graphql';

/** A fault from the service: `code` is the VOSpace fault name (PermissionDenied, QuotaExceeded, …). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;

/** The session's CSRF token, sent with every operation (the service requires it of cookie-authenticated mutations). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
  ws?.dispose();
  ws = null;
}

interface GqlError {
  message: string;
  extensions?: { code?: string };
}

function toError(errors: GqlError[]): ApiError {
  const e = errors[0];
  return new ApiError(e.message, e.extensions?.code ?? 'Error');
}

export async function request<R, V>(doc: TypedDocumentString<R, V>, ...[variables]: V extends Record<string, never> ? [] | [V] : [V]): Promise<R> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch('/graphql', { method: 'POST', headers, credentials: 'same-origin', body: JSON.stringify({ query: doc.toString(), variables }) });
  } catch {
    throw new ApiError('the service cannot be reached', 'NetworkError');
  }
  const text = await res.text().catch(() => '');
  type Body = { data?: R; errors?: GqlError[] } | null;
  let body: Body;
  try {
    body = JSON.parse(text) as Body;
  } catch {
    // A fault answered before GraphQL (e.g. the request rate limit's 429) is the plain text `Fault: message`.
    const fault = /^([A-Z][A-Za-z]+): (.+)/.exec(text.trim());
    throw fault ? new ApiError(fault[2], fault[1]) : new ApiError(`the service answered ${res.status} without a GraphQL result`, 'NetworkError');
  }
  if (!body) throw new ApiError(`the service answered ${res.status} without a GraphQL result`, 'NetworkError');
  if (body.errors?.length) throw toError(body.errors);
  return body.data as R;
}

let ws: Client | null = null;

function wsClient(): Client {
  ws ??= createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    connectionParams: () => ({ csrfToken }),
    lazy: true,
    retryAttempts: 5,
  });
  return ws;
}

/** Runs a subscription; returns the function that ends it. */
export function subscribe<R, V>(doc: TypedDocumentString<R, V>, variables: V, onData: (data: R) => void, onError: (e: ApiError) => void): () => void {
  return wsClient().subscribe<R>(
    { query: doc.toString(), variables: variables as Record<string, unknown> },
    {
      next: (r) => (r.errors?.length ? onError(toError(r.errors as GqlError[])) : onData(r.data as R)),
      error: (e) => onError(e instanceof ApiError ? e : new ApiError(e instanceof Error ? e.message : 'the live connection failed', 'NetworkError')),
      complete: () => {},
    },
  );
}
