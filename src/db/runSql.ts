/**
 * Runs a fixed SQL text ($1, $2… placeholders) on the connection of `db`
 * (the transaction's own when `db` is one), skipping Knex's query builder and
 * runner: for the statements every metadata request makes, where compiling
 * the query cost about a third of the statement's CPU in the service
 * (~45 of ~140 µs for a node's chain). On PostgreSQL the statement still
 * goes through the client's query method, so it is a named prepared
 * statement like any other (preparedStatements.ts); on the embedded database
 * it runs on the single connection, waiting for it like any Knex query.
 * Knex's 'query' event is emitted as for its own queries, so whatever
 * watches or counts the statements (tests, tracing) still sees these.
 */
import type { Knex } from 'knex';

/** The parts of a Knex client (or a transaction's) this needs: not in Knex's typings. */
interface ClientInternals {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<void>;
  _query(connection: unknown, obj: { sql: string; bindings: readonly unknown[] }): Promise<{ response: { rows: unknown[] } }>;
  emit(event: 'query', obj: { sql: string; bindings: readonly unknown[]; method: 'raw'; __knexUid?: string; __knexTxId?: string }): void;
}

export async function runSql<R>(db: Knex | Knex.Transaction, sql: string, bindings: readonly unknown[]): Promise<R[]> {
  if ((db as Knex.Transaction).isCompleted?.()) throw new Error('runSql: the transaction is already over');
  const client = db.client as unknown as ClientInternals;
  const connection = (await client.acquireConnection()) as { __knexUid?: string; __knexTxId?: string };
  try {
    client.emit('query', { sql, bindings, method: 'raw', __knexUid: connection.__knexUid, __knexTxId: connection.__knexTxId });
    return (await client._query(connection, { sql, bindings })).response.rows as R[];
  } finally {
    await client.releaseConnection(connection);
  }
}
