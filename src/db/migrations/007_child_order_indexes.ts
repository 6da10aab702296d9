import type { Knex } from 'knex';

/**
 * GraphQL pages children by size and by mtime (the name breaking ties) as
 * well as by name. Without these, the first page of a 10 000-child container
 * in size order read and sorted every child (19 ms on PostgreSQL, growing with
 * the container and with the readability check on each child); with them it
 * is an index range read that stops after the page (1 ms), either direction,
 * from any cursor. name is COLLATE "C" as in (parent_id, name).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX nodes_parent_size_name ON nodes (parent_id, size, name)');
  await knex.raw('CREATE INDEX nodes_parent_mtime_name ON nodes (parent_id, mtime, name)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS nodes_parent_size_name');
  await knex.raw('DROP INDEX IF EXISTS nodes_parent_mtime_name');
}
