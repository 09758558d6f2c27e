/**
 * Attachment use cases. An upload arrives in two steps so no transaction stays open while bytes
 * stream in: the transport checks the target (`checkAttachmentTarget`, before reading the body),
 * streams the file into the blob store's staging area (size limit enforced there), then
 * `addAttachment` decides — type read from the bytes, name cleaned — stores the blob under its
 * SHA-256 (once, however often it is attached) and records the attachment.
 */
import { z } from 'zod';
import { acceptUpload } from '../domain/attachments.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { defineCommand } from './define.ts';
import { findOrFail, findLot } from './lookup.ts';
import type { AttachmentTarget, Repositories, StagedBlob } from './ports.ts';
import { recordNote } from './history/notes.ts';
import { idCodeRef, lotRef, optionalText, pageQuery, numericId, text } from './validation.ts';

const eventId = numericId;

/** Where an attachment goes: a lot, a build, or one history event of a lot. */
const targetInput = {
  lot: idCodeRef.optional(),
  build: idCodeRef.optional(),
  event: eventId.optional().describe('history event id (with lot)'),
};

async function resolveTarget(
  repos: Repositories,
  input: { lot?: string | undefined; build?: string | undefined; event?: number | undefined },
): Promise<AttachmentTarget> {
  if (input.build !== undefined) {
    const build = await findOrFail('build', 'code', input.build, (c) => repos.builds.findByCode(c));
    return { kind: 'build', buildId: build.id, code: build.code };
  }
  const lot = await findLot(repos, 'code', input.lot ?? '');
  if (input.event === undefined) return { kind: 'lot', lotId: lot.id, code: lot.code };
  const event = await repos.history.findById(input.event);
  if (!event || event.lotId !== lot.id)
    throw new NotFoundError(
      'history event',
      String(input.event),
      `lot ${lot.code} has no history event ${input.event}`,
      'id',
    );
  return { kind: 'event', historyEventId: event.id, lotCode: lot.code };
}

export const checkAttachmentTarget = defineCommand({
  name: 'checkAttachmentTarget',
  summary: 'Check that an attachment may be added to this lot, build or history event (before the upload)',
  role: 'operator',
  mode: 'read',
  input: z.strictObject(targetInput),
  async run({ repos }, input) {
    return resolveTarget(repos, input);
  },
});

export const stagedInput = z.custom<StagedBlob>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as StagedBlob).id === 'string' &&
    /^[0-9a-f]{64}$/.test((v as StagedBlob).sha256) &&
    Number.isInteger((v as StagedBlob).bytes) &&
    Buffer.isBuffer((v as StagedBlob).head) &&
    ((v as StagedBlob).detected === null || typeof (v as StagedBlob).detected?.ext === 'string'),
  'is required: send the file as the multipart field "file"',
);

export const addAttachment = defineCommand({
  name: 'addAttachment',
  summary:
    'Attach a file (multipart/form-data, field "file"; optional field "note") — type checked from the bytes, stored once by SHA-256',
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    ...targetInput,
    file: stagedInput,
    filename: z.string().max(1_000).nullish(),
    declaredType: z.string().max(200).nullish(),
    note: optionalText(1_000),
  }),
  async run({ repos, actor }, { file, filename, declaredType, note, ...where }) {
    const target = await resolveTarget(repos, where);
    const accepted = acceptUpload({ filename, declaredType, detected: file.detected, head: file.head });
    await repos.blobs.commit(file);
    await repos.attachments.saveBlob({
      sha256: file.sha256,
      bytes: file.bytes,
      mediaType: accepted.mediaType,
    });
    return repos.attachments.insert({
      sha256: file.sha256,
      filename: accepted.filename,
      mediaType: accepted.mediaType,
      target,
      note: note ?? null,
      uploadedBy: actor.name,
    });
  },
});

export const listLotAttachments = defineCommand({
  name: 'listLotAttachments',
  summary: "A lot's attachments, including (unless events=false) those on its history events",
  role: 'viewer',
  mode: 'read',
  input: pageQuery.extend({
    code: lotRef,
    events: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true')
      .describe('include attachments of history events'),
  }),
  async run({ repos }, { code, events, limit, cursor }) {
    const lot = await findLot(repos, 'code', code);
    return repos.attachments.listForLot(lot.id, { includeEvents: events }, { limit, cursor });
  },
});

export const listBuildAttachments = defineCommand({
  name: 'listBuildAttachments',
  summary: "A build's attachments",
  role: 'viewer',
  mode: 'read',
  input: pageQuery.extend({ code: idCodeRef }),
  async run({ repos }, { code, limit, cursor }) {
    const build = await findOrFail('build', 'code', code, (c) => repos.builds.findByCode(c));
    return repos.attachments.listForBuild(build.id, { limit, cursor });
  },
});

const findAttachment = async (repos: Repositories, id: number) => {
  const attachment = await repos.attachments.findById(id);
  if (!attachment) throw new NotFoundError('attachment', String(id), `attachment ${id} does not exist`, 'id');
  return attachment;
};

export const getAttachment = defineCommand({
  name: 'getAttachment',
  summary: 'Show an attachment: name, type, size, SHA-256 and what it is attached to',
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ id: eventId }),
  run: ({ repos }, { id }) => findAttachment(repos, id),
});

export const downloadAttachment = defineCommand({
  name: 'downloadAttachment',
  summary: "Download an attachment's file; its bytes are checked against the SHA-256 before they are served",
  role: 'viewer',
  mode: 'read',
  input: z.strictObject({ id: eventId }),
  async run({ repos }, { id }) {
    const attachment = await findAttachment(repos, id);
    const file = await repos.blobs.open(attachment.sha256, attachment.bytes);
    return { ...file, filename: attachment.filename, contentType: attachment.mediaType };
  },
});

/** A photo sent with a note: the staged file, and what the browser said of it. */
const notePhoto = z.strictObject({
  file: stagedInput,
  filename: z.string().max(1_000).nullish(),
  declaredType: z.string().max(200).nullish(),
});
export type NotePhoto = z.input<typeof notePhoto>;

export const recordNoteWithPhoto = defineCommand({
  name: 'recordNoteWithPhoto',
  summary:
    "Add a note to a lot or device, with a photo (a phone's camera) when one is given: one history event, the photo attached to it, in one transaction",
  role: 'operator',
  mode: 'write',
  input: z.strictObject({
    code: lotRef,
    text: text(5_000),
    photo: notePhoto.nullish().describe('the photo, staged; none: a plain note'),
  }),
  async run(ctx, { code, text: body, photo }) {
    if (!photo) return recordNote.run(ctx, { code, text: body });
    if (!photo.file.detected?.mime.startsWith('image/'))
      throw ValidationError.field('file', 'must be a photo (JPEG, PNG, HEIC, WebP …)');
    const note = await recordNote.run(ctx, { code, text: body });
    const attached = await addAttachment.run(ctx, {
      lot: code,
      event: note.id,
      file: photo.file,
      filename: photo.filename,
      declaredType: photo.declaredType,
      note: null,
    });
    return { ...note, attachments: [...note.attachments, attached] };
  },
});
