import type { Knex } from 'knex';

/**
 * The foreign key from a node to its parent, kept by triggers of our own.
 * The key checks each deleted row with a query of its own: deleting a tree of
 * 1 003 nodes ran 1 003 of them, ~80% of the DELETE's time (EXPLAIN ANALYZE:
 * 41–85 ms of which 27–74 ms in that trigger; 8–24 ms with these). Nodes are
 * deleted a subtree at a time, by path, so the children of a deleted node are
 * nearly always gone with it: one set-based statement per DELETE finds the
 * rest (a child that another transaction added and committed meanwhile, which
 * a statement run later in the DELETE's transaction sees) and deletes them, as
 * the cascade did. What the key refused is refused with its error code
 * (23503), which the services turn into ContainerNotFound: a new node whose
 * parent is not there, or a node moved under one that is not.
 *
 * Unlike the key, the check does not lock the parent (FOR KEY SHARE): with
 * that lock the same build measured 750–1037 µs of PostgreSQL CPU per create
 * against 543–630 with the key, and the get and setprops of the same runs
 * paid too (207–293 against 143–173 µs, 847–1070 against 433–517; why the
 * reads did is not pinned down); without the lock, 547–583, 127–153 and
 * 397–460 (create, get, setprops at n=3000, c=8, as bench/cpu-ab.mjs runs
 * them, two to four rounds on each schema). The statements that add a node lock its parent
 * themselves (insertNode's FOR SHARE, lockContainer for a move or copy), which
 * makes a racing delete of the parent wait and then take the child along
 * (test/db/parentKey.test.ts).
 *
 * The functions' queries are planned once per connection and the plans kept
 * until the table's statistics change. A plan made while the table was small
 * may be a sequential scan, which a statement adding many nodes would then
 * run once per node before anything renews it (the stale plans of
 * tableUpkeep.ts, inside one statement). With sequential scans off inside the
 * functions, their plans use the indexes at any size.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE nodes DROP CONSTRAINT nodes_parent_id_foreign');
  await knex.raw(`
    CREATE FUNCTION nodes_delete_orphans() RETURNS trigger LANGUAGE plpgsql SET enable_seqscan = off AS $$
    BEGIN
      -- The inner DELETE fires this trigger again: only when there is something to delete.
      IF EXISTS (SELECT 1 FROM nodes n JOIN gone g ON n.parent_id = g.id) THEN
        DELETE FROM nodes n USING gone g WHERE n.parent_id = g.id;
      END IF;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER nodes_children_go AFTER DELETE ON nodes
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION nodes_delete_orphans()`);
  // Per row, as the key checked, but with no lock, and on an update only when the parent changes (a move):
  // other updates (properties' ctime, busy marks) fire nothing.
  await knex.raw(`
    CREATE FUNCTION nodes_check_parent() RETURNS trigger LANGUAGE plpgsql SET enable_seqscan = off AS $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM nodes p WHERE p.id = NEW.parent_id) THEN
        RAISE EXCEPTION 'a node''s parent does not exist' USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER nodes_parent_exists AFTER INSERT ON nodes
    FOR EACH ROW WHEN (NEW.parent_id IS NOT NULL) EXECUTE FUNCTION nodes_check_parent()`);
  await knex.raw(`
    CREATE TRIGGER nodes_parent_moved AFTER UPDATE OF parent_id ON nodes
    FOR EACH ROW WHEN (NEW.parent_id IS DISTINCT FROM OLD.parent_id AND NEW.parent_id IS NOT NULL)
    EXECUTE FUNCTION nodes_check_parent()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS nodes_parent_moved ON nodes');
  await knex.raw('DROP TRIGGER IF EXISTS nodes_parent_exists ON nodes');
  await knex.raw('DROP TRIGGER IF EXISTS nodes_children_go ON nodes');
  await knex.raw('DROP FUNCTION IF EXISTS nodes_check_parent()');
  await knex.raw('DROP FUNCTION IF EXISTS nodes_delete_orphans()');
  await knex.raw('ALTER TABLE nodes ADD CONSTRAINT nodes_parent_id_foreign FOREIGN KEY (parent_id) REFERENCES nodes (id) ON DELETE CASCADE');
}
