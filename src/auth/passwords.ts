/**
 * Password hashes: scrypt from node:crypto (memory-hard: N=2^15, r=8, p=1
 * takes 32 MiB and about 50 ms), a random 16-byte salt per password, stored as
 * `scrypt$N$r$p$salt$hash` (base64url), so stronger settings later still read
 * the old hashes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { fault } from '../domain/faults';

const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 1024;

const FORMAT = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{16,128})\$([A-Za-z0-9_-]{16,256})$/;

function derive(password: string, salt: Buffer, keyBytes: number, o: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs a little over 128 * N * r bytes, which Node's default ceiling (32 MiB) refuses for 2^15 and 8.
  const options: ScryptOptions = { ...o, maxmem: 256 * o.N * o.r };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, keyBytes, options, (e, key) => (e ? reject(e) : resolve(key))));
}

/** InvalidArgument unless the password has 8 to 1024 characters. */
export function checkPassword(password: string): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD || length > MAX_PASSWORD) {
    throw fault('InvalidArgument', `a password must have ${MIN_PASSWORD} to ${MAX_PASSWORD} characters, not ${length}`);
  }
}

export async function hashPassword(password: string): Promise<string> {
  checkPassword(password);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** A stored hash for no one, so that a user without a password (or no user) costs the same scrypt as one with. */
const NOBODY = `scrypt$${N}$${R}$${P}$${randomBytes(SALT_BYTES).toString('base64url')}$${randomBytes(KEY_BYTES).toString('base64url')}`;

/**
 * Whether the password matches the stored hash. A null hash (no user, or a
 * user without a password) is checked against a hash no password matches, in
 * the same time; a hash that is not ours never matches.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const m = FORMAT.exec(stored ?? NOBODY) ?? FORMAT.exec(NOBODY)!;
  const [n, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const want = Buffer.from(m[5], 'base64url');
  // Settings outside what this code would write are not run: a hash in the database cannot make a sign-in cost minutes.
  const sane = n >= 2 && n <= 2 ** 20 && (n & (n - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16;
  const got = await derive(password, Buffer.from(m[4], 'base64url'), want.length, sane ? { N: n, r, p } : { N, r: R, p: P });
  return sane && stored !== null && timingSafeEqual(got, want);
}
