/**
 * Failed sign-ins, counted in this process's memory per user name and per
 * client address, in fixed 15-minute windows (express-rate-limit's
 * MemoryStore). Past the limit of either, every attempt is refused before any
 * password is checked, the right one too, and whether the name exists or not.
 */
import { ipKeyGenerator, MemoryStore } from 'express-rate-limit';
import { fault } from '../domain/faults';

export const SIGNIN_WINDOW_MS = 15 * 60_000;
/** An address may fail this many times the per-name limit: several people may sign in from behind one. */
export const ADDRESS_FACTOR = 4;
/** Longer names cannot be users (src/services/users.ts): they are counted as one. */
const NAME_KEY_MAX = 128;

export class SignInLimiter {
  private readonly store = new MemoryStore();
  constructor(readonly perName: number) {
    this.store.init({ windowMs: SIGNIN_WINDOW_MS } as Parameters<MemoryStore['init']>[0]);
  }

  private keys(name: string, address: string): [string, string] {
    return [`name:${name.slice(0, NAME_KEY_MAX)}`, `addr:${ipKeyGenerator(address)}`];
  }

  /** TooManyRequests when the name or the address has failed too often in its current window. */
  async check(name: string, address: string): Promise<void> {
    const [byName, byAddress] = this.keys(name, address);
    const now = Date.now();
    let until = 0;
    for (const [key, limit] of [[byName, this.perName], [byAddress, this.perName * ADDRESS_FACTOR]] as const) {
      const c = await this.store.get(key);
      if (c && c.totalHits >= limit && c.resetTime) until = Math.max(until, c.resetTime.getTime());
    }
    if (until > now) throw fault('TooManyRequests', `too many failed sign-ins; retry after ${Math.ceil((until - now) / 1000)} s`);
  }

  async failed(name: string, address: string): Promise<void> {
    for (const key of this.keys(name, address)) await this.store.increment(key);
  }

  /** A right password clears the name's count (not the address's: one right password does not excuse guesses at others). */
  async succeeded(name: string): Promise<void> {
    await this.store.resetKey(this.keys(name, '')[0]);
  }

  stop(): void {
    this.store.shutdown();
  }
}
