/** Recalls: a forward trace from a suspect lot, written out as a report of the devices it reached. */

export const RECALL_STATUSES = ['queued', 'done', 'failed'] as const;
export type RecallStatus = (typeof RECALL_STATUSES)[number];

export interface Recall {
  id: number;
  lotId: number;
  lotCode: string;
  filter: { status?: string[]; from?: string; to?: string; unitsOnly?: boolean };
  reason: string;
  status: RecallStatus;
  /** Why the report could not be written. */
  error: string | null;
  devices: number | null;
  fileKey: string | null;
  requestedBy: string;
  createdAt: Date;
  finishedAt: Date | null;
}
