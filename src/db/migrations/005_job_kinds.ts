import type { Knex } from 'knex';

/**
 * Jobs of three kinds share the jobs table and its lifecycle: transfers
 * (/transfers), recursive deletes (/async-delete) and recursive property
 * changes (/async-setprops). Each job list shows only its own kind.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('jobs', (t) => {
    t.text('kind').notNullable().defaultTo('transfer');
  });
  await knex.raw(`ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('transfer', 'delete', 'setprops'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('jobs', (t) => t.dropColumn('kind'));
}
