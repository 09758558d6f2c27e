import * as attachments from '../../commands/attachments.ts';
import type { Attachment } from '../../commands/ports.ts';
import { route } from '../route.ts';
import { AttachmentOut, pageOf } from '../schemas.ts';

const tag = 'Attachments';

/** An attachment as the API shows it, with the path to download it. */
export const presentAttachment = (a: Attachment) => ({
  ...a,
  download: `/api/v1/attachments/${a.id}/content`,
});
const presentPage = (p: { items: Attachment[]; nextCursor: string | null }) => ({
  ...p,
  items: p.items.map(presentAttachment),
});

const UPLOAD =
  'multipart/form-data with the file in the field `file` (and an optional `note`). The type is read from the bytes: executables, and files whose bytes are not what their name or declared type claims, are refused (415). Larger than ATTACHMENT_MAX_BYTES (default 25 MB): 413, nothing stored. Identical files are stored once.';
const upload = { precheck: attachments.checkAttachmentTarget, fields: { note: 1_000 } };

export const attachmentRoutes = [
  route({
    method: 'post',
    path: '/lots/{code}/attachments',
    tag,
    command: attachments.addAttachment,
    params: { code: 'lot' },
    upload,
    status: 201,
    response: AttachmentOut,
    present: presentAttachment,
    summary: 'Attach a file to a lot or device',
    description: UPLOAD,
  }),
  route({
    method: 'post',
    path: '/builds/{code}/attachments',
    tag,
    command: attachments.addAttachment,
    params: { code: 'build' },
    upload,
    status: 201,
    response: AttachmentOut,
    present: presentAttachment,
    summary: 'Attach a file to a build',
    description: UPLOAD,
  }),
  route({
    method: 'post',
    path: '/lots/{code}/history/{id}/attachments',
    tag,
    command: attachments.addAttachment,
    params: { code: 'lot', id: 'event' },
    upload,
    status: 201,
    response: AttachmentOut,
    present: presentAttachment,
    summary: 'Attach a file to a history event (a test log, a photo of a repair, a certificate)',
    description: UPLOAD,
  }),
  route({
    method: 'get',
    path: '/lots/{code}/attachments',
    tag,
    command: attachments.listLotAttachments,
    response: pageOf(AttachmentOut),
    present: presentPage,
  }),
  route({
    method: 'get',
    path: '/builds/{code}/attachments',
    tag,
    command: attachments.listBuildAttachments,
    response: pageOf(AttachmentOut),
    present: presentPage,
  }),
  route({
    method: 'get',
    path: '/attachments/{id}',
    tag,
    command: attachments.getAttachment,
    response: AttachmentOut,
    present: presentAttachment,
  }),
  route({
    method: 'get',
    path: '/attachments/{id}/content',
    tag,
    command: attachments.downloadAttachment,
    file: { mediaType: '*/*' },
    description:
      'Served with the type read from the bytes when it was uploaded (the attachment’s `mediaType`: `application/pdf`, `image/png`, `text/plain; charset=utf-8`, `application/octet-stream` …) and `Content-Disposition: attachment`. The bytes are checked against the SHA-256 first: a damaged stored file is never served (500, `stored-file-damaged`).',
  }),
];
