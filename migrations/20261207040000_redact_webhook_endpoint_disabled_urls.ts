/**
 * `webhook_endpoint.disabled` used to carry the disabled endpoint's full URL (a token in its path or
 * query included) and to reach every `*` subscriber. Events and delivery bodies written before now
 * get the endpoint's origin instead of its URL, and deliveries of the event still owed attempts to
 * an endpoint that did not subscribe to it by name are cancelled. Runs again without effect.
 * Transaction: yes. Reversible: no (the URLs are not kept; `down` does nothing).
 */
import type { Knex } from 'knex';

// Scheme, host and port: what `endpointOrigin` (src/domain/webhooks.ts) keeps of a URL. Saved URLs
// never carry credentials (they are refused), so the authority is host and port.
const origin = (url: string) =>
  `coalesce(lower(substring(${url} from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')), 'an invalid URL')`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    UPDATE events
       SET data = (data - 'url') || jsonb_build_object('origin', ${origin("data->>'url'")})
     WHERE type = 'webhook_endpoint.disabled' AND data -> 'url' IS NOT NULL`);
  await knex.raw(`
    UPDATE webhook_deliveries d
       SET status = 'cancelled', next_attempt_at = NULL, updated_at = now()
      FROM webhook_endpoints e
     WHERE e.id = d.endpoint_id
       AND d.event_type = 'webhook_endpoint.disabled'
       AND d.status IN ('pending', 'retrying')
       AND NOT (e.event_types && ARRAY['webhook_endpoint.disabled', 'webhook_endpoint.*']::text[])`);
  await knex.raw(`
    UPDATE webhook_deliveries
       SET body = jsonb_set(body::jsonb #- '{data,url}', '{data,origin}',
                            to_jsonb(${origin("body::jsonb #>> '{data,url}'")}))::text,
           updated_at = now()
     WHERE event_type = 'webhook_endpoint.disabled' AND body::jsonb #> '{data,url}' IS NOT NULL`);
}

export async function down(): Promise<void> {}
