/**
 * Printers and printing: the label printers on the line (`printers`), which printer a project or a
 * location prints on by default and whether it prints by itself (`printer_assignments`), and, for a
 * label run sent to a printer, one record per label (`label_prints`: queued → sent → confirmed, or
 * failed when the run ends without it) grouped in the batches it was sent in (`label_print_batches`,
 * with the driver's mark read before sending). Label runs gain the printer, a printed count, the
 * states `printing`, `paused` and `cancelled`, why they paused, and what a reprint reprints.
 * Work actions gain the causes `continue` (a print job handing on after its time slice) and `resume`.
 * Transaction: yes. Reversible: yes (drops the printing tables and columns; print runs are lost).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('printers', (t) => {
    t.bigIncrements('id');
    t.text('name').notNullable();
    t.text('driver').notNullable();
    t.text('address').notNullable();
    t.text('template').notNullable();
    t.integer('dpi').notNullable();
    t.bigInteger('location_id').references('id').inTable('locations');
    t.text('description');
    t.boolean('enabled').notNullable().defaultTo(true);
    // The last status read from the printer (by a print job or the printer watch).
    t.text('state');
    t.text('state_message');
    t.timestamp('state_at', { useTz: true });
    t.integer('version').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`driver IN ('zpl','brother-ql','ipp')`, [], 'printers_driver');
  });
  await knex.raw('CREATE UNIQUE INDEX printers_name_key ON printers (lower(name))');

  await knex.schema.createTable('printer_assignments', (t) => {
    t.text('scope').notNullable();
    t.bigInteger('scope_id').notNullable();
    t.bigInteger('printer_id').notNullable().references('id').inTable('printers').onDelete('CASCADE');
    t.boolean('auto_print').notNullable().defaultTo(false);
    t.text('assigned_by').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['scope', 'scope_id']);
    t.check(`scope IN ('project','location')`, [], 'printer_assignments_scope');
  });

  await knex.raw('ALTER TABLE label_runs DROP CONSTRAINT label_runs_status');
  await knex.schema.alterTable('label_runs', (t) => {
    t.bigInteger('printer_id').references('id').inTable('printers');
    t.integer('printed').notNullable().defaultTo(0);
    t.text('paused_state');
    t.text('paused_reason');
    t.timestamp('paused_at', { useTz: true });
    t.bigInteger('reprint_of').references('id').inTable('label_runs');
    t.text('reason');
    t.text('trigger');
    // The print job working on the run now, until when: one job at a time sends a run's labels.
    t.text('lease_owner');
    t.timestamp('lease_until', { useTz: true });
    t.check(
      `status IN ('queued','rendering','printing','paused','done','failed','cancelled')`,
      [],
      'label_runs_status',
    );
  });

  await knex.schema.createTable('label_print_batches', (t) => {
    t.text('key').primary();
    t.bigInteger('run_id').notNullable().references('id').inTable('label_runs').onDelete('CASCADE');
    t.integer('first').notNullable();
    t.integer('count').notNullable();
    t.jsonb('mark').notNullable();
    // open: some of its labels are sent and neither confirmed nor known unprinted.
    t.text('state').notNullable().defaultTo('open');
    t.timestamp('sent_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('closed_at', { useTz: true });
    t.check(`state IN ('open','closed')`, [], 'label_print_batches_state');
    t.index(['run_id', 'state']);
  });

  await knex.schema.createTable('label_prints', (t) => {
    t.bigInteger('run_id').notNullable().references('id').inTable('label_runs').onDelete('CASCADE');
    t.integer('seq').notNullable();
    // The source item's key (unit serial or row id), to resume creating the records after a crash.
    t.bigInteger('item_key').notNullable();
    t.text('code').notNullable();
    t.jsonb('content').notNullable();
    t.text('status').notNullable().defaultTo('queued');
    t.text('batch_key').references('key').inTable('label_print_batches');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('confirmed_at', { useTz: true });
    t.primary(['run_id', 'seq']);
    t.check(`status IN ('queued','sent','confirmed','failed')`, [], 'label_prints_status');
  });
  await knex.raw(`CREATE INDEX label_prints_open ON label_prints (run_id, seq) WHERE status <> 'confirmed'`);

  await knex.raw('ALTER TABLE work_actions DROP CONSTRAINT work_actions_cause');
  await knex.raw(
    `ALTER TABLE work_actions ADD CONSTRAINT work_actions_cause CHECK (cause IN ('missing','failed','completed','retry','continue','resume'))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DELETE FROM work_actions WHERE cause IN ('continue','resume')`);
  await knex.raw('ALTER TABLE work_actions DROP CONSTRAINT work_actions_cause');
  await knex.raw(
    `ALTER TABLE work_actions ADD CONSTRAINT work_actions_cause CHECK (cause IN ('missing','failed','completed','retry'))`,
  );
  await knex.schema.dropTable('label_prints');
  await knex.schema.dropTable('label_print_batches');
  await knex.raw(
    `DELETE FROM label_runs WHERE printer_id IS NOT NULL OR status IN ('printing','paused','cancelled')`,
  );
  await knex.raw('ALTER TABLE label_runs DROP CONSTRAINT label_runs_status');
  await knex.schema.alterTable('label_runs', (t) => {
    t.dropColumn('printer_id');
    t.dropColumn('printed');
    t.dropColumn('paused_state');
    t.dropColumn('paused_reason');
    t.dropColumn('paused_at');
    t.dropColumn('reprint_of');
    t.dropColumn('reason');
    t.dropColumn('trigger');
    t.dropColumn('lease_owner');
    t.dropColumn('lease_until');
    t.check(`status IN ('queued','rendering','done','failed')`, [], 'label_runs_status');
  });
  await knex.schema.dropTable('printer_assignments');
  await knex.schema.dropTable('printers');
}
