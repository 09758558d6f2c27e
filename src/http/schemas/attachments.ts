import { z } from 'zod';
import type { Attachment } from '../../domain/attachments.ts';
import { code, timestamp, type Assert, type SameKeys } from './common.ts';

export const AttachmentOut = z
  .object({
    id: z.int(),
    filename: z.string().describe('cleaned file name'),
    mediaType: z.string().describe('read from the bytes, not from the name'),
    bytes: z.int(),
    sha256: z.string().describe('SHA-256 of the bytes; identical files are stored once'),
    target: z
      .object({ lot: code.nullable(), build: code.nullable(), event: z.int().nullable() })
      .describe('what it is attached to: a lot, a build, or a history event (of lot)'),
    note: z.string().nullable(),
    uploadedBy: z.string(),
    createdAt: timestamp,
    download: z.string().describe('path of the file'),
  })
  .meta({ id: 'Attachment' });

type _AttachmentKeys = Assert<SameKeys<z.output<typeof AttachmentOut>, Attachment, never, 'download'>>;
