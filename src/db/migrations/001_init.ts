import type { Knex } from 'knex';
import { NODE_TYPES } from '../../domain/nodeTypes';

/**
 * The tree is stored by path (COLLATE "C", so byte order): a lookup is one
 * probe of a unique index and a subtree is one range scan
 * (path > 'a/' AND path < 'a0'), needing no LIKE escaping for names holding
 * '%' or '_'. parent_id keeps each node tied to an existing parent.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id');
    t.specificType('name', 'text COLLATE "C"').notNullable().unique();
    t.boolean('is_admin').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('groups', (t) => {
    t.increments('id');
    t.specificType('name', 'text COLLATE "C"').notNullable().unique();
  });
  await knex.schema.createTable('user_groups', (t) => {
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.integer('group_id').notNullable().references('groups.id').onDelete('CASCADE');
    t.primary(['user_id', 'group_id']);
  });
  await knex.schema.createTable('tokens', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('token_hash').notNullable().unique();
    t.text('label');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true });
  });
  await knex.schema.createTable('nodes', (t) => {
    t.bigIncrements('id');
    t.bigInteger('parent_id').references('nodes.id').onDelete('CASCADE');
    t.specificType('path', 'text COLLATE "C"').notNullable().unique();
    t.specificType('name', 'text COLLATE "C"').notNullable();
    t.text('type').notNullable();
    t.integer('owner_id').references('users.id').onDelete('SET NULL');
    t.text('target');
    t.bigInteger('size').notNullable().defaultTo(0);
    t.text('md5');
    t.text('busy_job');
    t.text('location');
    t.timestamp('ctime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('mtime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('btime', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['parent_id', 'name']);
  });
  await knex.raw(
    `ALTER TABLE nodes ADD CONSTRAINT nodes_type_check CHECK (type IN (${NODE_TYPES.map((n) => `'${n}'`).join(', ')}))`,
  );
  await knex.raw(`ALTER TABLE nodes ADD CONSTRAINT nodes_size_check CHECK (size >= 0)`);
  await knex.schema.createTable('properties', (t) => {
    t.bigInteger('node_id').notNullable().references('nodes.id').onDelete('CASCADE');
    t.text('uri').notNullable();
    t.text('value').notNullable();
    t.boolean('read_only').notNullable().defaultTo(false);
    t.primary(['node_id', 'uri']);
  });
  await knex('nodes').insert({ path: '', name: '', type: 'ContainerNode', parent_id: null });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['properties', 'nodes', 'tokens', 'user_groups', 'groups', 'users']) {
    await knex.schema.dropTableIfExists(t);
  }
}
