/** PostgreSQL error codes the stores turn into faults. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';

export const pgCode = (e: unknown): string | undefined => (e as { code?: string } | null)?.code;
