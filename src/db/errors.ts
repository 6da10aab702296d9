/** PostgreSQL error codes the stores turn into faults. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';
/** Two transactions waited on each other; PostgreSQL rolled one of them back whole. */
export const PG_DEADLOCK_DETECTED = '40P01';

export const pgCode = (e: unknown): string | undefined => (e as { code?: string } | null)?.code;

/**
 * Runs a transaction again when PostgreSQL chose it as a deadlock's victim, up
 * to `attempts` runs in all: the victim was rolled back whole, so running it
 * again is safe, and the other side has its locks by then. The last deadlock
 * is thrown.
 */
export async function retryDeadlocks<T>(transaction: () => Promise<T>, attempts = 3): Promise<T> {
  for (let run = 1; ; run++) {
    try {
      return await transaction();
    } catch (e) {
      if (pgCode(e) !== PG_DEADLOCK_DETECTED || run >= attempts) throw e;
    }
  }
}
