import type { Knex } from 'knex';

/**
 * When each token was last used (set by the token lookup, so at most once per
 * cache period of a process), and an index to list a user's tokens and revoke
 * them all.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tokens', (t) => {
    t.timestamp('last_used_at', { useTz: true });
    t.index(['user_id'], 'tokens_user_id_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tokens', (t) => {
    t.dropIndex(['user_id'], 'tokens_user_id_index');
    t.dropColumn('last_used_at');
  });
}
