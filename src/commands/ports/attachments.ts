import type { Attachment, AttachmentTarget } from '../../domain/attachments.ts';
import type { Page, PageRequest } from '../../domain/page.ts';

export interface AttachmentRepository {
  /** Records a blob once; a second call for the same SHA-256 changes nothing. */
  saveBlob(blob: { sha256: string; bytes: number; mediaType: string }): Promise<void>;
  insert(attachment: {
    sha256: string;
    filename: string;
    mediaType: string;
    target: AttachmentTarget;
    note: string | null;
    uploadedBy: string;
  }): Promise<Attachment>;
  findById(id: number): Promise<Attachment | null>;
  /** A lot's attachments, and (with `includeEvents`) those on its history events. */
  listForLot(
    lotId: number,
    options: { includeEvents: boolean },
    page: PageRequest,
  ): Promise<Page<Attachment>>;
  listForBuild(buildId: number, page: PageRequest): Promise<Page<Attachment>>;
  /** Attachments of these history events, per event, oldest first. */
  forEvents(eventIds: number[]): Promise<Map<number, Attachment[]>>;
}
