/**
 * Tables whose rows a request may hold still while it checks a precondition on them (an HTTP
 * `If-Match`): the rows of the resources the API lets a client change or delete by path.
 */
export type LockableTable = 'parts' | 'locations' | 'lots' | 'projects' | 'webhook_endpoints' | 'slack_users';

export interface RowLocks {
  /**
   * Locks the row (`SELECT … FOR UPDATE`) until the unit of work ends: every other writer of it
   * waits. False when there is no such row (any more).
   */
  forUpdate(table: LockableTable, id: number): Promise<boolean>;
}
