import type { Page, PageRequest } from '../../domain/page.ts';
import type {
  DeliveryState,
  DeliveryStatus,
  WebhookAttemptRecord,
  WebhookDelivery,
  WebhookEndpoint,
} from '../../domain/webhook-types.ts';

/** One attempt to record, with the state its delivery moves to. */
export interface AttemptWrite {
  deliveryId: number;
  attempt: WebhookAttemptRecord;
  state: { status: DeliveryStatus; lastStatusCode: number | null; nextAttemptAt: Date | null };
}

/**
 * The delivery hot path's database round trips, shared by the `webhooks.deliver` jobs running at
 * once in one process: each call joins a batch that is one statement (a few ms of gathering).
 */
export interface DeliveryBatches {
  load(deliveryId: number): Promise<DeliveryState | null>;
  /**
   * Records an attempt that needs nothing else (no follow-up job, no endpoint change, no event):
   * one statement, atomic on its own. False when the attempt had been recorded already.
   */
  record(write: AttemptWrite): Promise<boolean>;
}

export interface WebhookRepository {
  insertEndpoint(e: {
    url: string;
    description: string | null;
    eventTypes: string[];
    secret: string;
    createdBy: string;
  }): Promise<WebhookEndpoint>;
  findEndpoint(id: number, options?: { lock?: boolean }): Promise<WebhookEndpoint | null>;
  updateEndpoint(
    id: number,
    patch: Partial<
      Pick<WebhookEndpoint, 'url' | 'description' | 'eventTypes' | 'secrets' | 'failingSince'>
    > & {
      status?: WebhookEndpoint['status'];
      disabledReason?: string | null;
    },
  ): Promise<WebhookEndpoint>;
  deleteEndpoint(id: number): Promise<void>;
  /**
   * Moves the endpoint's failure clock without locking it (deliveries to one endpoint run in
   * parallel): `since` starts it unless it is running already, null stops it.
   */
  setFailingSince(id: number, since: Date | null): Promise<void>;
  /** Disables an active endpoint; false when it was not active (someone else disabled it first). */
  disableIfActive(id: number, reason: string): Promise<boolean>;
  listEndpoints(page: PageRequest): Promise<Page<WebhookEndpoint>>;
  activeEndpoints(): Promise<WebhookEndpoint[]>;
  /** Inserts deliveries, skipping (endpoint, event) pairs that have one; returns the new ones' ids. */
  insertDeliveries(
    rows: { messageId: string; endpointId: number; eventId: number; eventType: string; body: string }[],
  ): Promise<number[]>;
  /** Inserts a delivery unless the endpoint already has one for the event; null when it had. */
  insertDelivery(d: {
    messageId: string;
    endpointId: number;
    eventId: number | null;
    eventType: string;
    body: string;
  }): Promise<WebhookDelivery | null>;
  findDelivery(id: number, options?: { lock?: boolean }): Promise<WebhookDelivery | null>;
  updateDelivery(
    id: number,
    patch: {
      status?: DeliveryStatus;
      attempts?: number;
      nextAttemptAt?: Date | null;
      lastStatusCode?: number | null;
    },
  ): Promise<WebhookDelivery>;
  listDeliveries(
    endpointId: number,
    filter: { status?: DeliveryStatus | undefined },
    page: PageRequest,
  ): Promise<Page<WebhookDelivery>>;
  /** Deliveries with their endpoints, in one query (the start of every attempt); missing ids are absent. */
  deliveriesWithEndpoints(ids: number[]): Promise<Map<number, DeliveryState>>;
  /**
   * Records attempts and their deliveries' new states in one statement, skipping any attempt that
   * was recorded already (another run got there first). Delivery ids must be distinct. Returns the
   * ids of the deliveries whose attempt was recorded.
   */
  recordAttemptsOnce(writes: AttemptWrite[]): Promise<Set<number>>;
  attempts(deliveryId: number): Promise<WebhookAttemptRecord[]>;
}
