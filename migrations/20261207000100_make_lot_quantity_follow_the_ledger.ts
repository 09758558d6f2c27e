/**
 * Stock moves through one door, and the database holds every path to it. A lot's quantity is the sum
 * of its ledger entries, by construction:
 * - a lot is inserted with its opening quantity only through the door, which names the entry's
 *   reason and actor in the transaction-local setting `buildtrace.stock_opening`; a statement
 *   trigger writes the opening ledger entries (an insert with a quantity and no such setting is
 *   refused);
 * - a ledger insert moves the lots' quantities (one set-based UPDATE per statement) and must agree
 *   with the `quantity_after` it records;
 * - `UPDATE lots SET quantity` outside the ledger trigger is refused.
 * Lots whose quantity and ledger disagree before this migration get a correcting `adjust` entry.
 * Transaction: yes. Reversible: yes (drops the triggers; the entries written stay).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    INSERT INTO stock_ledger (lot_id, delta, quantity_after, reason, note, actor)
    SELECT l.id, l.quantity - coalesce(s.total, 0), l.quantity, 'adjust',
           'opening balance: ledger brought in line with the quantity by a migration', 'system'
    FROM lots l LEFT JOIN (SELECT lot_id, sum(delta) AS total FROM stock_ledger GROUP BY lot_id) s ON s.lot_id = l.id
    WHERE l.quantity <> coalesce(s.total, 0);

    CREATE FUNCTION stock_ledger_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE bad record;
    BEGIN
      -- Opening entries written by lots_open describe a quantity the lots already have.
      IF pg_trigger_depth() > 1 THEN RETURN NULL; END IF;
      WITH d AS (
        SELECT lot_id, sum(delta)::int AS delta, (array_agg(quantity_after ORDER BY id DESC))[1] AS after
        FROM new_entries GROUP BY lot_id
      ), moved AS (
        UPDATE lots l SET quantity = l.quantity + d.delta, updated_at = now()
        FROM d WHERE l.id = d.lot_id
        RETURNING l.id, l.code, l.quantity, d.after
      )
      SELECT * INTO bad FROM moved WHERE moved.quantity <> moved.after LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'stock_ledger: lot % would hold % but its entry says %', bad.code, bad.quantity, bad.after
          USING ERRCODE = 'P0001';
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER stock_ledger_apply AFTER INSERT ON stock_ledger
      REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION stock_ledger_apply();

    CREATE FUNCTION lots_open() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE opening jsonb;
    BEGIN
      opening := nullif(current_setting('buildtrace.stock_opening', true), '')::jsonb;
      IF opening IS NULL THEN
        IF EXISTS (SELECT 1 FROM new_lots WHERE quantity <> 0) THEN
          RAISE EXCEPTION 'lots: a lot is opened with a quantity only through the stock door (its ledger entry says why)'
            USING ERRCODE = 'P0001';
        END IF;
        RETURN NULL;
      END IF;
      INSERT INTO stock_ledger (lot_id, delta, quantity_after, reason, note, actor, build_id)
      SELECT id, quantity, quantity, opening->>'reason', opening->>'note', opening->>'actor', (opening->>'buildId')::bigint
      FROM new_lots WHERE quantity <> 0 ORDER BY id;
      RETURN NULL;
    END $$;
    CREATE TRIGGER lots_open AFTER INSERT ON lots
      REFERENCING NEW TABLE AS new_lots FOR EACH STATEMENT EXECUTE FUNCTION lots_open();

    CREATE FUNCTION lots_quantity_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'lots: quantity changes only through stock_ledger entries (lot %)', OLD.code
          USING ERRCODE = 'P0001';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER lots_quantity_guard BEFORE UPDATE OF quantity ON lots
      FOR EACH ROW WHEN (OLD.quantity IS DISTINCT FROM NEW.quantity) EXECUTE FUNCTION lots_quantity_guard();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER lots_quantity_guard ON lots;
    DROP FUNCTION lots_quantity_guard();
    DROP TRIGGER lots_open ON lots;
    DROP FUNCTION lots_open();
    DROP TRIGGER stock_ledger_apply ON stock_ledger;
    DROP FUNCTION stock_ledger_apply();
  `);
}
