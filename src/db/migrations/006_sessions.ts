import type { Knex } from 'knex';

/**
 * Signing in to the web portal: a password hash per user (null: no password,
 * no sign-in), and the sessions a sign-in starts. Only a SHA-256 of each
 * session's cookie is stored, as for tokens.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.text('password_hash');
  });
  await knex.schema.createTable('sessions', (t) => {
    t.increments('id');
    t.text('token_hash').notNullable().unique();
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('csrf_token').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id'], 'sessions_user_id_index');
    t.index(['expires_at'], 'sessions_expires_at_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sessions');
  await knex.schema.alterTable('users', (t) => t.dropColumn('password_hash'));
}
