import type { Knex } from 'knex';
import type {
  DeliveryState,
  DeliveryStatus,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookRepository,
} from '../../commands/ports.ts';
import { paginate } from './shared.ts';

interface EndpointRow {
  id: number;
  url: string;
  description: string | null;
  event_types: string[];
  secrets: WebhookEndpoint['secrets'];
  status: WebhookEndpoint['status'];
  disabled_reason: string | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

interface DeliveryRow {
  id: number;
  message_id: string;
  endpoint_id: number;
  event_id: number | null;
  event_type: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  created_at: Date;
  updated_at: Date;
}

interface AttemptRow {
  number: number;
  manual: boolean;
  started_at: Date;
  duration_ms: number;
  status_code: number | null;
  response_excerpt: string | null;
  error: string | null;
  outcome: string;
}

const toEndpoint = (r: EndpointRow): WebhookEndpoint => ({
  id: r.id,
  url: r.url,
  description: r.description,
  eventTypes: r.event_types,
  secrets: r.secrets,
  status: r.status,
  disabledReason: r.disabled_reason,
  disabledAt: r.disabled_at,
  failingSince: r.failing_since,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toDelivery = (r: DeliveryRow): WebhookDelivery => ({
  id: r.id,
  messageId: r.message_id,
  endpointId: r.endpoint_id,
  eventId: r.event_id,
  eventType: r.event_type,
  body: r.body,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastStatusCode: r.last_status_code,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const deliveryColumns = (d: {
  messageId: string;
  endpointId: number;
  eventId: number | null;
  eventType: string;
  body: string;
}) => ({
  message_id: d.messageId,
  endpoint_id: d.endpointId,
  event_id: d.eventId,
  event_type: d.eventType,
  body: d.body,
});

export function webhookRepository(db: Knex | Knex.Transaction): WebhookRepository {
  const endpointById = async (id: number, lock = false) => {
    const q = db('webhook_endpoints').where({ id });
    if (lock) q.forUpdate();
    const row = (await q.first()) as EndpointRow | undefined;
    return row ? toEndpoint(row) : null;
  };
  const deliveryById = async (id: number, lock = false) => {
    const q = db('webhook_deliveries').where({ id });
    if (lock) q.forUpdate();
    const row = (await q.first()) as DeliveryRow | undefined;
    return row ? toDelivery(row) : null;
  };
  return {
    async insertEndpoint(e) {
      const [row] = (await db('webhook_endpoints')
        .insert({
          url: e.url,
          description: e.description,
          event_types: e.eventTypes,
          secrets: JSON.stringify([{ secret: e.secret, expiresAt: null }]),
          created_by: e.createdBy,
        })
        .returning('*')) as EndpointRow[];
      return toEndpoint(row!);
    },
    findEndpoint: (id, options) => endpointById(id, options?.lock),
    async updateEndpoint(id, patch) {
      const columns: Record<string, unknown> = { updated_at: db.fn.now() };
      if (patch.url !== undefined) columns.url = patch.url;
      if (patch.description !== undefined) columns.description = patch.description;
      if (patch.eventTypes !== undefined) columns.event_types = patch.eventTypes;
      if (patch.secrets !== undefined) columns.secrets = JSON.stringify(patch.secrets);
      if (patch.failingSince !== undefined) columns.failing_since = patch.failingSince;
      if (patch.status !== undefined) {
        columns.status = patch.status;
        columns.disabled_at = patch.status === 'disabled' ? db.fn.now() : null;
        if (patch.status === 'active') columns.failing_since = null;
      }
      if (patch.disabledReason !== undefined) columns.disabled_reason = patch.disabledReason;
      await db('webhook_endpoints').where({ id }).update(columns);
      return (await endpointById(id))!;
    },
    async deleteEndpoint(id) {
      await db('webhook_endpoints').where({ id }).delete();
    },
    async setFailingSince(id, since) {
      if (since === null) {
        await db('webhook_endpoints')
          .where({ id })
          .whereNotNull('failing_since')
          .update({ failing_since: null });
      } else {
        await db('webhook_endpoints')
          .where({ id })
          .whereNull('failing_since')
          .update({ failing_since: since });
      }
    },
    async disableIfActive(id, reason) {
      const rows = await db('webhook_endpoints')
        .where({ id, status: 'active' })
        .update({
          status: 'disabled',
          disabled_reason: reason,
          disabled_at: db.fn.now(),
          updated_at: db.fn.now(),
        })
        .returning('id');
      return rows.length > 0;
    },
    listEndpoints: (page) => paginate(db('webhook_endpoints').select('*'), 'id', page, toEndpoint),
    async activeEndpoints() {
      return ((await db('webhook_endpoints').where({ status: 'active' }).orderBy('id')) as EndpointRow[]).map(
        toEndpoint,
      );
    },
    async insertDeliveries(deliveries) {
      if (deliveries.length === 0) return [];
      const rows = (await db('webhook_deliveries')
        .insert(deliveries.map(deliveryColumns))
        .onConflict(['endpoint_id', 'event_id'])
        .ignore()
        .returning('id')) as { id: number }[];
      return rows.map((r) => r.id);
    },
    async insertDelivery(d) {
      const rows = (await db('webhook_deliveries')
        .insert(deliveryColumns(d))
        .onConflict(['endpoint_id', 'event_id'])
        .ignore()
        .returning('*')) as DeliveryRow[];
      return rows[0] ? toDelivery(rows[0]) : null;
    },
    findDelivery: (id, options) => deliveryById(id, options?.lock),
    async updateDelivery(id, patch) {
      const columns: Record<string, unknown> = { updated_at: db.fn.now() };
      if (patch.status !== undefined) columns.status = patch.status;
      if (patch.attempts !== undefined) columns.attempts = patch.attempts;
      if (patch.nextAttemptAt !== undefined) columns.next_attempt_at = patch.nextAttemptAt;
      if (patch.lastStatusCode !== undefined) columns.last_status_code = patch.lastStatusCode;
      await db('webhook_deliveries').where({ id }).update(columns);
      return (await deliveryById(id))!;
    },
    listDeliveries(endpointId, filter, page) {
      const q = db('webhook_deliveries').where({ endpoint_id: endpointId }).select('*');
      if (filter.status) q.where({ status: filter.status });
      return paginate(q, 'id', page, toDelivery);
    },
    async deliveriesWithEndpoints(ids) {
      const found = new Map<number, DeliveryState>();
      if (ids.length === 0) return found;
      const rows = (await db('webhook_deliveries as d')
        .join('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
        .whereIn('d.id', ids)
        .select(db.raw('row_to_json(d) AS d'), db.raw('row_to_json(e) AS e'))) as {
        d: DeliveryRow & { next_attempt_at: string | null; created_at: string; updated_at: string };
        e: EndpointRow & Record<string, unknown>;
      }[];
      const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
      for (const row of rows) {
        const delivery = toDelivery({
          ...row.d,
          next_attempt_at: date(row.d.next_attempt_at),
          created_at: date(row.d.created_at)!,
          updated_at: date(row.d.updated_at)!,
        });
        const endpoint = toEndpoint({
          ...row.e,
          disabled_at: date(row.e.disabled_at),
          failing_since: date(row.e.failing_since),
          created_at: date(row.e.created_at)!,
          updated_at: date(row.e.updated_at)!,
        });
        found.set(delivery.id, { delivery, endpoint });
      }
      return found;
    },
    async recordAttemptsOnce(writes) {
      const recorded = new Set<number>();
      if (writes.length === 0) return recorded;
      const values = writes.map(({ deliveryId, attempt: a, state }) => ({
        delivery_id: deliveryId,
        number: a.number,
        manual: a.manual,
        started_at: a.startedAt.toISOString(),
        duration_ms: a.durationMs,
        status_code: a.statusCode,
        response_excerpt: a.responseExcerpt,
        error: a.error,
        outcome: a.outcome,
        status: state.status,
        last_status_code: state.lastStatusCode,
        next_attempt_at: state.nextAttemptAt?.toISOString() ?? null,
      }));
      // One statement for the whole batch: each delivery moves only if this attempt is new to it
      // (attempts < number), and only the deliveries that moved get their attempt logged.
      const result = await db.raw<{ rows: { delivery_id: string | number }[] }>(
        `WITH v AS (
           SELECT * FROM jsonb_to_recordset(?::jsonb) AS v(
             delivery_id bigint, number int, manual boolean, started_at timestamptz, duration_ms int,
             status_code int, response_excerpt text, error text, outcome text, status text,
             last_status_code int, next_attempt_at timestamptz)
         ), d AS (
           UPDATE webhook_deliveries w
           SET status = v.status, attempts = v.number, last_status_code = v.last_status_code,
               next_attempt_at = v.next_attempt_at, updated_at = now()
           FROM v
           WHERE w.id = v.delivery_id AND w.attempts < v.number
           RETURNING w.id
         )
         INSERT INTO webhook_attempts (delivery_id, number, manual, started_at, duration_ms, status_code, response_excerpt, error, outcome)
         SELECT v.delivery_id, v.number, v.manual, v.started_at, v.duration_ms, v.status_code, v.response_excerpt, v.error, v.outcome
         FROM v JOIN d ON d.id = v.delivery_id
         RETURNING delivery_id`,
        [JSON.stringify(values)],
      );
      for (const row of result.rows) recorded.add(Number(row.delivery_id));
      return recorded;
    },
    async attempts(deliveryId) {
      const rows = (await db('webhook_attempts')
        .where({ delivery_id: deliveryId })
        .orderBy('number')) as AttemptRow[];
      return rows.map((r) => ({
        number: r.number,
        manual: r.manual,
        startedAt: r.started_at,
        durationMs: r.duration_ms,
        statusCode: r.status_code,
        responseExcerpt: r.response_excerpt,
        error: r.error,
        outcome: r.outcome,
      }));
    },
  };
}
