import type { Knex } from 'knex';

/**
 * Every upload's commit, and every failed or swept transfer, clears the busy
 * marks of its job (`WHERE busy_job = ?`): without an index that read every
 * node of the space, once per push. Few nodes are busy at once, so the index
 * holds only those.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX nodes_busy_job ON nodes (busy_job) WHERE busy_job IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS nodes_busy_job');
}
