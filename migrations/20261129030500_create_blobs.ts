/**
 * Blobs: the bytes of attachments, named by their SHA-256 and stored once however often they are
 * attached (the store keeps them under that name: local disk or S3). The media type is the one read
 * from the bytes. Transaction: yes. Reversible: yes (forgets the blobs; the stored files stay).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('blobs', (t) => {
    t.text('sha256').primary();
    t.bigInteger('bytes').notNullable();
    t.text('media_type').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`sha256 ~ '^[0-9a-f]{64}$'`, [], 'blobs_sha256_format');
    t.check('bytes >= 0', [], 'blobs_bytes_not_negative');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('blobs');
}
