import type { Knex } from 'knex';

/** Free and total bytes of each storage server's root_dir, as it reported with its last heartbeat (null until it has). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('storage_servers', (t) => {
    t.bigInteger('free_bytes');
    t.bigInteger('total_bytes');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('storage_servers', (t) => {
    t.dropColumn('free_bytes');
    t.dropColumn('total_bytes');
  });
}
