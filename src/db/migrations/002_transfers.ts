import type { Knex } from 'knex';

/**
 * UWS jobs (their state lives here, so a restart loses none), the storage
 * servers that serve their bytes, and service-wide settings such as the key
 * that signs one-shot endpoints (shared by every process of the space).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('storage_servers', (t) => {
    t.increments('id');
    t.text('name').notNullable();
    t.text('url').notNullable().unique();
    t.timestamp('registered_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('heartbeat_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('jobs', (t) => {
    t.text('id').primary();
    t.integer('owner_id').references('users.id').onDelete('CASCADE');
    t.text('run_id');
    t.text('phase').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('start_time', { useTz: true });
    t.timestamp('end_time', { useTz: true });
    t.integer('execution_duration').notNullable();
    t.timestamp('destruction', { useTz: true }).notNullable();
    t.jsonb('transfer').notNullable();
    t.jsonb('results').notNullable().defaultTo('[]');
    t.jsonb('error');
    t.boolean('endpoint_used').notNullable().defaultTo(false);
    t.integer('claimed_by').references('storage_servers.id').onDelete('SET NULL');
    t.index(['owner_id', 'created_at']);
    t.index(['phase']);
    t.index(['destruction']);
  });
  await knex.raw(`ALTER TABLE jobs ADD CONSTRAINT jobs_phase_check CHECK (phase IN
    ('PENDING','QUEUED','EXECUTING','COMPLETED','ERROR','ABORTED','UNKNOWN','HELD','SUSPENDED','ARCHIVED'))`);
  await knex.schema.alterTable('nodes', (t) => {
    t.integer('storage_id').references('storage_servers.id').onDelete('SET NULL');
  });
  await knex.schema.createTable('settings', (t) => {
    t.text('key').primary();
    t.text('value').notNullable();
  });
  await knex('settings').insert({ key: 'endpoint_secret', value: knex.raw(`md5(random()::text || clock_timestamp()::text) || md5(random()::text)`) });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('nodes', (t) => t.dropColumn('storage_id'));
  for (const t of ['settings', 'jobs', 'storage_servers']) await knex.schema.dropTableIfExists(t);
}
