/**
 * Attachments: a file (blob) attached to exactly one lot, build or history event, under a cleaned
 * file name and the media type read from its bytes. Transaction: yes. Reversible: yes.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('attachments', (t) => {
    t.bigIncrements('id');
    t.text('blob_sha256').notNullable().references('blobs.sha256').onDelete('RESTRICT');
    t.text('filename').notNullable();
    t.text('media_type').notNullable();
    t.bigInteger('lot_id').references('lots.id').onDelete('RESTRICT');
    t.bigInteger('build_id').references('builds.id').onDelete('RESTRICT');
    t.bigInteger('history_event_id').references('history_events.id').onDelete('RESTRICT');
    t.text('note');
    t.text('uploaded_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('num_nonnulls(lot_id, build_id, history_event_id) = 1', [], 'attachments_one_target');
    t.check(`length(filename) BETWEEN 1 AND 255`, [], 'attachments_filename_length');
  });
  await knex.raw(`
    CREATE INDEX attachments_lot ON attachments (lot_id, id) WHERE lot_id IS NOT NULL;
    CREATE INDEX attachments_build ON attachments (build_id, id) WHERE build_id IS NOT NULL;
    CREATE INDEX attachments_event ON attachments (history_event_id, id) WHERE history_event_id IS NOT NULL;
    CREATE INDEX attachments_blob ON attachments (blob_sha256);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('attachments');
}
