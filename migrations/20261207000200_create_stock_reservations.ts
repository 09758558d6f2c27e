/**
 * Stock reservations: a build accepted for starting holds the component quantities it will consume,
 * so the request that was answered 201 keeps its stock and the losers of a race are refused at once.
 * A reservation is released when the build starts (the start consumes instead), when its start
 * fails, or when it is cancelled. `lots.reserved` is the sum of a lot's reservations, kept by
 * statement triggers; the database refuses any move that would take a lot below what it has
 * reserved. Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('stock_reservations', (t) => {
    t.bigIncrements('id');
    t.bigInteger('build_id').notNullable().references('builds.id').onDelete('RESTRICT');
    t.bigInteger('lot_id').notNullable().references('lots.id').onDelete('RESTRICT');
    t.bigInteger('part_id').notNullable().references('parts.id').onDelete('RESTRICT');
    t.integer('quantity').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('quantity > 0', [], 'stock_reservations_quantity_positive');
    t.unique(['build_id', 'lot_id']);
    t.index(['lot_id']);
  });
  await knex.schema.alterTable('lots', (t) => {
    t.integer('reserved').notNullable().defaultTo(0);
    t.check('reserved BETWEEN 0 AND quantity', [], 'lots_reserved_within_quantity');
  });
  await knex.raw(`
    CREATE FUNCTION stock_reservations_hold() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        UPDATE lots l SET reserved = l.reserved + d.q
        FROM (SELECT lot_id, sum(quantity)::int AS q FROM changed GROUP BY lot_id) d WHERE l.id = d.lot_id;
      ELSE
        UPDATE lots l SET reserved = l.reserved - d.q
        FROM (SELECT lot_id, sum(quantity)::int AS q FROM changed GROUP BY lot_id) d WHERE l.id = d.lot_id;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER stock_reservations_insert AFTER INSERT ON stock_reservations
      REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION stock_reservations_hold();
    CREATE TRIGGER stock_reservations_delete AFTER DELETE ON stock_reservations
      REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION stock_reservations_hold();
    CREATE FUNCTION lots_reserved_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'lots: reserved follows stock_reservations (lot %)', OLD.code USING ERRCODE = 'P0001';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER lots_reserved_guard BEFORE UPDATE OF reserved ON lots
      FOR EACH ROW WHEN (OLD.reserved IS DISTINCT FROM NEW.reserved) EXECUTE FUNCTION lots_reserved_guard();
    CREATE FUNCTION stock_reservations_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'stock_reservations are made and released, never changed' USING ERRCODE = 'P0001';
    END $$;
    CREATE TRIGGER stock_reservations_fixed BEFORE UPDATE ON stock_reservations
      FOR EACH ROW EXECUTE FUNCTION stock_reservations_fixed();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('stock_reservations');
  await knex.raw(`
    DROP TRIGGER lots_reserved_guard ON lots;
    DROP FUNCTION lots_reserved_guard();
    DROP FUNCTION stock_reservations_hold();
    DROP FUNCTION stock_reservations_fixed();
  `);
  await knex.schema.alterTable('lots', (t) => {
    t.dropChecks(['lots_reserved_within_quantity']);
    t.dropColumn('reserved');
  });
}
