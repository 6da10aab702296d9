/**
 * One-shot endpoint tokens. A transfer's endpoint URL carries the job id, the
 * direction, an expiry and an HMAC over them with the space's secret (kept in
 * the database, so every process of the space shares it). The storage server
 * needs no session and no Authorization header: the URL is the credential,
 * for one job, one direction, until it expires; the job row makes it one-shot.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { fault } from '../domain/faults';

export type EndpointDirection = 'put' | 'get';

export interface EndpointClaim {
  jobId: string;
  direction: EndpointDirection;
  /** Unix seconds. */
  expires: number;
}

const sign = (secret: string, c: EndpointClaim) =>
  createHmac('sha256', secret).update(`${c.jobId}\n${c.direction}\n${c.expires}`).digest('base64url');

export function endpointToken(secret: string, c: EndpointClaim): string {
  return `${c.jobId}.${c.direction}.${c.expires}.${sign(secret, c)}`;
}

/** Checks a token: signature first, then expiry. Throws PermissionDenied. */
export function verifyEndpointToken(secret: string, token: string, now = Date.now()): EndpointClaim {
  const m = /^([A-Za-z0-9_-]{1,64})\.(put|get)\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) throw fault('PermissionDenied', 'malformed transfer endpoint');
  const claim: EndpointClaim = { jobId: m[1], direction: m[2] as EndpointDirection, expires: Number(m[3]) };
  const want = Buffer.from(sign(secret, claim));
  const got = Buffer.from(m[4]);
  if (want.length !== got.length || !timingSafeEqual(want, got)) throw fault('PermissionDenied', 'transfer endpoint signature does not match');
  if (claim.expires * 1000 < now) throw fault('PermissionDenied', 'transfer endpoint has expired');
  return claim;
}
