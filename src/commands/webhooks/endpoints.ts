/** Webhook endpoints: subscribe a URL to event types, list, show, change, delete, rotate the secret. */
import { z } from 'zod';
import { ValidationError } from '../../domain/errors.ts';
import { EVENT_TYPES } from '../../domain/events.ts';
import { generateWebhookSecret, isValidEventPattern } from '../../domain/webhooks.ts';
import { defineCommand } from '../define.ts';
import { optionalText, pageQuery, text } from '../validation.ts';
import { SECRET_OVERLAP_MS, findEndpoint, id } from './shared.ts';

/**
 * What `checkUrlShape` accepts, for the document: http(s), a host, no credentials, no whitespace.
 * Whether the host resolves to an address webhooks may reach is checked when saved (400 if not).
 */
const URL_PATTERN =
  '^[Hh][Tt][Tt][Pp][Ss]?://(\\[[0-9A-Fa-f:.]+\\]|[^\\s\\u0000-\\u001f\\u007f/?#@:\\[\\]\\\\<>^|%"]+)' +
  '(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4}))?([/?#]\\S*)?$';
const url = text(2000)
  .regex(new RegExp(URL_PATTERN), 'must be an http or https URL with a host and no credentials')
  .meta({ format: 'uri', pattern: URL_PATTERN })
  .describe('http(s) URL; its host must resolve to an address webhooks may reach (see WEBHOOK_ALLOW_LIST)');
/** Every pattern `isValidEventPattern` accepts (`*`, each event type, `<prefix>.*`), for the document. */
const EVENT_PATTERNS = [
  ...new Set([
    '*',
    ...EVENT_TYPES.flatMap((type) => [...type.matchAll(/\./g)].map((m) => `${type.slice(0, m.index + 1)}*`)),
    ...EVENT_TYPES,
  ]),
];
const eventTypes = z
  .array(text(100).meta({ enum: EVENT_PATTERNS }))
  .min(1)
  .max(50)
  .superRefine((patterns, ctx) => {
    patterns.forEach((p, i) => {
      if (!isValidEventPattern(p)) {
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `'${p}' matches no event type (e.g. build.completed, build.*, *)`,
        });
      }
    });
  });

async function checkUrl(
  services: { checkWebhookUrl(url: string): Promise<{ ok: true } | { ok: false; reason: string }> },
  value: string,
) {
  const verdict = await services.checkWebhookUrl(value);
  if (!verdict.ok) throw ValidationError.field('url', verdict.reason);
}

export const createWebhookEndpoint = defineCommand({
  name: 'createWebhookEndpoint',
  summary: 'Subscribe a URL to event types; the signing secret (whsec_…) is shown in the answer',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ url, eventTypes, description: optionalText(500) }),
  async run({ repos, actor, services }, input) {
    await checkUrl(services, input.url);
    const secret = generateWebhookSecret();
    const endpoint = await repos.webhooks.insertEndpoint({
      url: input.url,
      description: input.description ?? null,
      eventTypes: [...new Set(input.eventTypes)],
      secret,
      createdBy: actor.name,
    });
    return { ...endpoint, secret };
  },
});

export const listWebhookEndpoints = defineCommand({
  name: 'listWebhookEndpoints',
  summary: 'List webhook endpoints',
  role: 'admin',
  mode: 'read',
  input: pageQuery,
  run: ({ repos }, page) => repos.webhooks.listEndpoints(page),
});

export const getWebhookEndpoint = defineCommand({
  name: 'getWebhookEndpoint',
  summary: 'Show a webhook endpoint',
  role: 'admin',
  mode: 'read',
  input: z.strictObject({ id }),
  run: ({ repos }, { id: endpointId }) => findEndpoint(repos, endpointId),
});

export const updateWebhookEndpoint = defineCommand({
  name: 'updateWebhookEndpoint',
  summary: 'Change an endpoint’s URL, event types or description, or enable/disable it',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({
    id,
    url: url.optional(),
    eventTypes: eventTypes.optional(),
    description: optionalText(500),
    enabled: z.boolean().optional(),
  }),
  async run({ repos, services }, { id: endpointId, url: newUrl, eventTypes: types, description, enabled }) {
    await findEndpoint(repos, endpointId, true);
    if (newUrl !== undefined) await checkUrl(services, newUrl);
    return repos.webhooks.updateEndpoint(endpointId, {
      ...(newUrl !== undefined ? { url: newUrl } : {}),
      ...(types !== undefined ? { eventTypes: [...new Set(types)] } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(enabled !== undefined
        ? { status: enabled ? 'active' : 'disabled', disabledReason: enabled ? null : 'disabled by an admin' }
        : {}),
    });
  },
});

export const deleteWebhookEndpoint = defineCommand({
  name: 'deleteWebhookEndpoint',
  summary: 'Delete a webhook endpoint and its delivery log',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ id }),
  async run({ repos }, { id: endpointId }) {
    await findEndpoint(repos, endpointId, true);
    await repos.webhooks.deleteEndpoint(endpointId);
  },
});

export const rotateWebhookSecret = defineCommand({
  name: 'rotateWebhookSecret',
  summary: 'Issue a new signing secret; the old one keeps signing for 24 hours',
  role: 'admin',
  mode: 'write',
  input: z.strictObject({ id }),
  async run({ repos }, { id: endpointId }) {
    const endpoint = await findEndpoint(repos, endpointId, true);
    const secret = generateWebhookSecret();
    const expiresAt = new Date(Date.now() + SECRET_OVERLAP_MS).toISOString();
    const kept = endpoint.secrets
      .filter((s) => s.expiresAt === null || new Date(s.expiresAt) > new Date())
      .map((s) => ({ secret: s.secret, expiresAt: s.expiresAt ?? expiresAt }));
    const updated = await repos.webhooks.updateEndpoint(endpointId, {
      secrets: [{ secret, expiresAt: null }, ...kept],
    });
    return { ...updated, secret };
  },
});
