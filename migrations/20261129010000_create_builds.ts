/**
 * Builds: N units of a project, with their options, lifecycle status and generation progress.
 * Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('builds', (t) => {
    t.bigIncrements('id');
    t.text('code').notNullable().unique();
    t.bigInteger('project_id').notNullable().references('projects.id').onDelete('RESTRICT');
    t.bigInteger('produced_part_id').notNullable().references('parts.id').onDelete('RESTRICT');
    t.integer('quantity').notNullable();
    t.text('status').notNullable().defaultTo('planned');
    t.boolean('track_units').notNullable();
    t.boolean('add_stock').notNullable();
    t.text('serial_format');
    t.bigInteger('serial_seq_start');
    t.integer('units_generated').notNullable().defaultTo(0);
    t.integer('units_completed').notNullable().defaultTo(0);
    t.integer('units_scrapped').notNullable().defaultTo(0);
    t.jsonb('requested_lots').notNullable().defaultTo('[]');
    t.jsonb('requested_pairing').notNullable().defaultTo('[]');
    t.text('location_code');
    t.text('note');
    t.text('created_by').notNullable();
    t.jsonb('start_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('started_at', { useTz: true });
    t.timestamp('completed_at', { useTz: true });
    t.timestamp('cancelled_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`code ~ '^[0-9A-HJKMNP-TV-Z]{10}$'`, [], 'builds_code_format');
    t.check('quantity > 0 AND quantity <= 1000000', [], 'builds_quantity_range');
    t.check(`status IN ('planned','starting','in_progress','completed','cancelled')`, [], 'builds_status');
    t.check('NOT track_units OR add_stock', [], 'builds_tracked_adds_stock');
    t.check('units_generated BETWEEN 0 AND quantity', [], 'builds_units_generated_range');
    t.check('units_completed + units_scrapped <= quantity', [], 'builds_units_resolved_range');
    t.index(['project_id', 'id']);
    t.index(['status']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('builds');
}
