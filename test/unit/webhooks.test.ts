/**
 * The delivery engine against a real HTTP receiver on loopback, verified with the reference
 * `standardwebhooks` library. Every network target here is a loopback address, or an internal
 * address that must be refused before any connection is attempted.
 */
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateWebhookSecret, parseAllowList } from '../../src/domain/webhooks.ts';
import {
  AddressRefusedError,
  type Resolve,
  checkEndpointUrl,
  createGuardedLookup,
} from '../../src/webhooks/address-guard.ts';
import {
  type DeliveryOptions,
  type DeliveryRequest,
  closeDeliveryAgents,
  deliver,
} from '../../src/webhooks/deliver.ts';
import { signatureFor, signatureHeaders, webhookBody } from '../../src/webhooks/sign.ts';
import { type WebhookReceiver, startWebhookReceiver } from '../helpers/webhook-receiver.ts';

const SECRET = generateWebhookSecret();
const LOOPBACK: DeliveryOptions = { allowList: ['127.0.0.1/32'], timeoutMs: 2_000 };
let sequence = 0;

function request(url: string, overrides: Partial<DeliveryRequest> = {}): DeliveryRequest {
  const body = webhookBody({
    type: 'build.completed',
    timestamp: new Date('2025-06-02T10:00:00Z'),
    data: { build: '7K3M9Q2XAB', quantity: 25 },
  });
  return { url, id: `msg_test${++sequence}`, timestamp: new Date(), body, secrets: [SECRET], ...overrides };
}

afterAll(() => closeDeliveryAgents());

describe('signing', () => {
  it('produces exactly the signature of standardwebhooks Webhook#sign, for any id, time, body and secret', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[\x21-\x7e]{1,40}$/),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.integer({ min: 24, max: 64 }),
        (id, timestamp, body, bytes) => {
          const secret = generateWebhookSecret(bytes);
          expect(signatureFor(id, timestamp, body, secret)).toBe(
            new Webhook(secret).sign(id, timestamp, body),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('signs with every active secret, so a rotating subscriber verifies with either', () => {
    const [newer, older] = [generateWebhookSecret(), generateWebhookSecret()];
    const body = webhookBody({
      type: 'lot.status_changed',
      timestamp: new Date(),
      data: { lot: 'ABC', status: 'shipped', note: 'Grüße 🚚' },
    });
    const headers = signatureHeaders({ id: 'msg_1', timestamp: new Date(), body, secrets: [newer, older] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}= v1,[A-Za-z0-9+/]{43}=$/);
    for (const secret of [newer, older]) {
      expect(new Webhook(secret).verify(body, { ...headers })).toEqual({
        type: 'lot.status_changed',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        data: { lot: 'ABC', status: 'shipped', note: 'Grüße 🚚' },
      });
    }
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow(
      /No matching signature/,
    );
  });

  it('refuses to sign without a valid secret or id, and never echoes the secret', () => {
    const base = { id: 'msg_1', timestamp: new Date(), body: '{}' };
    expect(() => signatureHeaders({ ...base, secrets: [] })).toThrow(TypeError);
    const bad = 'whsec_c2hvcnQ=';
    expect(() => signatureHeaders({ ...base, secrets: [SECRET, bad] })).toThrow(/secret #2 is invalid/);
    try {
      signatureHeaders({ ...base, secrets: [bad] });
    } catch (error) {
      expect((error as Error).message).not.toContain('c2hvcnQ');
    }
    expect(() => signatureHeaders({ ...base, id: 'has space', secrets: [SECRET] })).toThrow(TypeError);
    expect(() => signatureHeaders({ ...base, id: 'a\r\nx-evil: 1', secrets: [SECRET] })).toThrow(TypeError);
    expect(() => signatureHeaders({ ...base, timestamp: new Date(Number.NaN), secrets: [SECRET] })).toThrow(
      TypeError,
    );
  });
});

describe('deliver', () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startWebhookReceiver({ secrets: [SECRET] });
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('delivers a signed Standard Webhooks request that the reference library verifies', async () => {
    receiver.script({ kind: 'status', status: 200, body: 'thanks' });
    const sent = request(`${receiver.url}/hooks/buildtrace?x=1`);
    const attempt = await deliver(sent, { ...LOOPBACK, userAgent: 'buildtrace-test' });
    expect(attempt).toMatchObject({
      ok: true,
      status: 200,
      responseExcerpt: 'thanks',
      error: null,
      outcome: 'success',
    });
    expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
    const [received] = receiver.requests;
    expect(received).toMatchObject({
      method: 'POST',
      path: '/hooks/buildtrace?x=1',
      body: sent.body,
      verifiedWith: [0],
      verifyError: null,
    });
    expect(received!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'buildtrace-test',
      'webhook-id': sent.id,
      'webhook-timestamp': String(Math.floor(sent.timestamp.getTime() / 1000)),
    });
    expect(received!.payload).toEqual({
      type: 'build.completed',
      timestamp: '2025-06-02T10:00:00.000Z',
      data: { build: '7K3M9Q2XAB', quantity: 25 },
    });
  });

  it('during rotation, subscribers holding either secret verify the same delivery', async () => {
    const [newer, older] = [generateWebhookSecret(), generateWebhookSecret()];
    const onOld = await startWebhookReceiver({ secrets: [older] });
    const onNew = await startWebhookReceiver({ secrets: [newer] });
    try {
      for (const target of [onOld, onNew]) {
        expect(await deliver(request(target.url, { secrets: [newer, older] }), LOOPBACK)).toMatchObject({
          ok: true,
        });
        expect(target.requests[0]!.verifiedWith).toEqual([0]);
      }
      // A subscriber that has already dropped the old secret no longer accepts old-only signatures.
      await deliver(request(onNew.url, { secrets: [older] }), LOOPBACK);
      expect(onNew.requests[1]!.verifiedWith).toEqual([]);
    } finally {
      await onOld.close();
      await onNew.close();
    }
  });

  it('500 → retry, 410 → gone, 404 → retry, with the response excerpt', async () => {
    receiver.script(
      { kind: 'status', status: 500, body: 'boom' },
      { kind: 'status', status: 410, body: 'unsubscribed' },
      { kind: 'status', status: 404 },
    );
    const url = receiver.url;
    expect(await deliver(request(url), LOOPBACK)).toMatchObject({
      ok: false,
      status: 500,
      responseExcerpt: 'boom',
      error: null,
      outcome: 'retry',
    });
    expect(await deliver(request(url), LOOPBACK)).toMatchObject({
      ok: false,
      status: 410,
      responseExcerpt: 'unsubscribed',
      outcome: 'gone',
    });
    expect(await deliver(request(url), LOOPBACK)).toMatchObject({
      ok: false,
      status: 404,
      responseExcerpt: '',
      outcome: 'retry',
    });
  });

  it('keeps a response excerpt storable: NUL bytes become U+FFFD', async () => {
    receiver.script({ kind: 'status', status: 200, body: 'ok\u0000done' });
    expect(await deliver(request(receiver.url), LOOPBACK)).toMatchObject({
      ok: true,
      responseExcerpt: 'ok\uFFFDdone',
    });
  });

  it('times out a receiver that never answers, within the total timeout', async () => {
    receiver.script({ kind: 'hang' });
    const attempt = await deliver(request(receiver.url), { ...LOOPBACK, timeoutMs: 300 });
    expect(attempt).toMatchObject({
      ok: false,
      status: null,
      responseExcerpt: null,
      error: 'timeout after 300 ms',
      outcome: 'retry',
    });
    expect(attempt.durationMs).toBeGreaterThanOrEqual(295);
    expect(attempt.durationMs).toBeLessThan(1_000);
    expect(receiver.requests).toHaveLength(1);
  });

  it('keeps the status of a subscriber that answers and then stalls, and says so', async () => {
    receiver.script({ kind: 'stall', status: 200, body: 'partial' });
    const attempt = await deliver(request(receiver.url), { ...LOOPBACK, timeoutMs: 300 });
    expect(attempt).toMatchObject({
      ok: true,
      status: 200,
      responseExcerpt: 'partial',
      error: 'timeout after 300 ms while reading the response',
      outcome: 'success',
    });
  });

  it('reports connection refused when nothing listens', async () => {
    const url = receiver.url;
    await receiver.close();
    expect(await deliver(request(url), LOOPBACK)).toMatchObject({
      ok: false,
      status: null,
      error: 'connection refused',
      outcome: 'retry',
    });
  });

  it('reports a connection dropped without an answer', async () => {
    receiver.script({ kind: 'close' }, { kind: 'close' });
    const attempt = await deliver(request(receiver.url), LOOPBACK);
    expect(attempt).toMatchObject({
      ok: false,
      status: null,
      error: 'connection closed before a response',
      outcome: 'retry',
    });
  });

  it('does not follow a redirect: the 3xx is a failed attempt', async () => {
    receiver.script({ kind: 'redirect', status: 302, location: 'http://169.254.169.254/latest/meta-data/' });
    const attempt = await deliver(request(receiver.url), LOOPBACK);
    expect(attempt).toMatchObject({
      ok: false,
      status: 302,
      outcome: 'retry',
      error: 'redirect (302) to http://169.254.169.254/latest/meta-data/ not followed',
    });
    expect(receiver.requests).toHaveLength(1);
  });

  it('keeps only the first bytes of a huge response and stops reading', async () => {
    receiver.script({ kind: 'huge', bytes: 200 * 1024 * 1024 }, { kind: 'huge', bytes: 200 * 1024 * 1024 });
    const capped = await deliver(request(receiver.url), { ...LOOPBACK, maxResponseBytes: 1_000 });
    expect(capped).toMatchObject({ ok: true, status: 200, outcome: 'success', error: null });
    expect(capped.responseExcerpt).toBe('x'.repeat(1_000));
    const byDefault = await deliver(request(receiver.url), LOOPBACK);
    expect(byDefault.responseExcerpt).toHaveLength(64 * 1024);
    // Reading 200 MiB would take far longer than this.
    expect(capped.durationMs + byDefault.durationMs).toBeLessThan(1_000);
  });

  it('reuses one keep-alive connection for consecutive deliveries to the same host', async () => {
    for (let i = 0; i < 20; i++) expect((await deliver(request(receiver.url), LOOPBACK)).ok).toBe(true);
    expect(receiver.connections()).toBe(1);
    expect(receiver.requests.every((r) => r.verifiedWith.length === 1)).toBe(true);
  });

  it('retries once on a fresh connection when a pooled one was closed by the server', async () => {
    receiver.script({ kind: 'status', status: 204 }, { kind: 'close' });
    expect((await deliver(request(receiver.url), LOOPBACK)).ok).toBe(true);
    // The second request goes out on the pooled socket, which the receiver drops; the engine
    // retries it once on a new connection (deliveries are idempotent by webhook-id).
    const attempt = await deliver(request(receiver.url), LOOPBACK);
    expect(attempt).toMatchObject({ ok: true, status: 204 });
    expect(receiver.requests).toHaveLength(3);
    expect(receiver.requests[1]!.headers['webhook-id']).toBe(receiver.requests[2]!.headers['webhook-id']);
  });

  describe('SSRF protection', () => {
    it('refuses loopback and internal addresses without the allow list, before connecting', async () => {
      const port = receiver.port;
      const cases: [string, string][] = [
        [`http://127.0.0.1:${port}/`, 'address 127.0.0.1 is not public'],
        [`http://[::1]:${port}/`, 'address ::1 is not public'],
        [`http://[::ffff:127.0.0.1]:${port}/`, 'address ::ffff:7f00:1 is not public'],
        [`http://0x7f.1:${port}/`, 'address 127.0.0.1 is not public'],
        ['http://10.0.0.1/', 'address 10.0.0.1 is not public'],
        ['http://169.254.169.254/latest/meta-data/', 'address 169.254.169.254 is not public'],
        ['https://[fd00:ec2::254]/', 'address fd00:ec2::254 is not public'],
        ['http://0.0.0.0/', 'address 0.0.0.0 is not public'],
        [`http://localhost:${port}/`, 'address 127.0.0.1 of localhost is not public'],
        [`http://LocalHost:${port}/`, 'address 127.0.0.1 of localhost is not public'],
      ];
      for (const [url, error] of cases) {
        const attempt = await deliver(request(url), { timeoutMs: 2_000 });
        expect(attempt, url).toMatchObject({
          ok: false,
          status: null,
          responseExcerpt: null,
          error,
          outcome: 'refused',
        });
      }
      expect(receiver.requests).toHaveLength(0);
      expect(receiver.connections()).toBe(0);
    });

    it('refuses URLs that are not http(s) or carry credentials', async () => {
      expect(await deliver(request('ftp://example.com/x'), {})).toMatchObject({
        outcome: 'refused',
        error: 'scheme must be http or https',
      });
      expect(await deliver(request(`http://user:pw@127.0.0.1:${receiver.port}/`), LOOPBACK)).toMatchObject({
        outcome: 'refused',
        error: 'URL must not contain credentials',
      });
      expect(await deliver(request('not a url'), {})).toMatchObject({
        outcome: 'refused',
        error: 'not a valid URL',
      });
    });

    it('delivers to allow-listed hosts, IPs and CIDR blocks', async () => {
      const port = receiver.port;
      expect(
        await deliver(request(`http://127.0.0.1:${port}/`), { allowList: ['127.0.0.0/8'] }),
      ).toMatchObject({ ok: true });
      expect(await deliver(request(`http://127.0.0.1:${port}/`), { allowList: ['127.0.0.1'] })).toMatchObject(
        { ok: true },
      );
      expect(await deliver(request(`http://localhost:${port}/`), { allowList: ['localhost'] })).toMatchObject(
        { ok: true },
      );
      // localhost resolves to an allow-listed address.
      expect(
        await deliver(request(`http://localhost:${port}/`), { allowList: ['127.0.0.1/32'] }),
      ).toMatchObject({ ok: true });
      // Allowing one loopback address does not allow another.
      expect(
        await deliver(request(`http://127.0.0.1:${port}/`), {
          allowList: ['127.0.0.2/32', 'receiver.internal'],
        }),
      ).toMatchObject({ outcome: 'refused' });
      expect(receiver.requests.map((r) => r.verifiedWith)).toEqual([[0], [0], [0], [0]]);
    });

    it('delivers to [::1] only when allow-listed', async () => {
      const v6 = await startWebhookReceiver({ secrets: [SECRET], host: '::1' });
      try {
        expect(await deliver(request(v6.url), {})).toMatchObject({
          outcome: 'refused',
          error: 'address ::1 is not public',
        });
        expect(await deliver(request(v6.url), { allowList: ['::1/128'] })).toMatchObject({
          ok: true,
          status: 204,
        });
        expect(v6.requests).toHaveLength(1);
      } finally {
        await v6.close();
      }
    });
  });
});

describe('deliver over HTTPS', () => {
  // A self-signed certificate for localhost/127.0.0.1 made for this test only (openssl req -x509
  // -newkey ec, valid until 2126). Nothing trusts it, which is the point.
  const TEST_ONLY_TLS = {
    key: [
      '-----BEGIN PRIVATE KEY-----',
      'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgMItbHfDS05mcfWcI',
      'qwRWpLeCdfZc30W67+LdVo9b25uhRANCAARGFkb6P/8W5labhtOuMuN3wB//1lB7',
      'MNlkfNZ+WXaJCSkvxp/U98DCuaJiuuRmVcI66S9cDCZAaUlTIVsCy3R5',
      '-----END PRIVATE KEY-----',
    ].join('\n'),
    cert: [
      '-----BEGIN CERTIFICATE-----',
      'MIIBmzCCAUGgAwIBAgIUE9sepbqFKr7KFiwzrW101am72+kwCgYIKoZIzj0EAwIw',
      'FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyOTEyMTY1MloYDzIxMjYxMTA1',
      'MTIxNjUyWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO',
      'PQMBBwNCAARGFkb6P/8W5labhtOuMuN3wB//1lB7MNlkfNZ+WXaJCSkvxp/U98DC',
      'uaJiuuRmVcI66S9cDCZAaUlTIVsCy3R5o28wbTAdBgNVHQ4EFgQUl8q6CA7YDnVi',
      'kxVhOPz/C1q9F5IwHwYDVR0jBBgwFoAUl8q6CA7YDnVikxVhOPz/C1q9F5IwDwYD',
      'VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI',
      'zj0EAwIDSAAwRQIhAMMHZtKM/pu5Fh6dmnw3FVvyvo2sptsmK3qF+g9spGigAiAH',
      'EvXc8nzPZ1hBLRiVUJg3r6ChkRPPaojnXuxLq9skNA==',
      '-----END CERTIFICATE-----',
    ].join('\n'),
  };

  it('verifies the certificate: a self-signed one is a failed attempt, nothing is sent', async () => {
    const tls = await startWebhookReceiver({ secrets: [SECRET], tls: TEST_ONLY_TLS });
    try {
      expect(tls.url).toMatch(/^https:/);
      for (const url of [tls.url, `https://localhost:${tls.port}/`]) {
        const attempt = await deliver(request(url), {
          allowList: ['127.0.0.1/32', 'localhost'],
          timeoutMs: 2_000,
        });
        expect(attempt, url).toMatchObject({
          ok: false,
          status: null,
          error: 'TLS error: self-signed certificate',
          outcome: 'retry',
        });
      }
      expect(tls.requests).toHaveLength(0);
    } finally {
      await tls.close();
    }
  });

  it('reports a server that does not speak TLS', async () => {
    const plain = await startWebhookReceiver({ secrets: [SECRET] });
    try {
      const attempt = await deliver(request(plain.url.replace('http:', 'https:')), LOOPBACK);
      expect(attempt).toMatchObject({
        ok: false,
        status: null,
        error: 'TLS error: wrong version number',
        outcome: 'retry',
      });
    } finally {
      await plain.close();
    }
  });
});

describe('checkEndpointUrl', () => {
  const fakeDns =
    (table: Record<string, string[]>): Resolve =>
    async (hostname) => {
      const addresses = table[hostname];
      if (!addresses)
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
  const dns = fakeDns({
    'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    'mixed.example.com': ['93.184.216.34', '10.0.0.7'],
    'internal.example.com': ['192.168.10.20'],
    'receiver.internal': ['10.1.2.3'],
    'mapped.example.com': ['::ffff:169.254.169.254'],
  });

  it.each([
    ['https://hooks.example.com/buildtrace', [], { ok: true }],
    ['http://hooks.example.com:8080/x?y=z', [], { ok: true }],
    ['https://93.184.216.34/hook', [], { ok: true }],
    [
      'https://mixed.example.com/',
      [],
      { ok: false, reason: 'address 10.0.0.7 of mixed.example.com is not public' },
    ],
    [
      'https://internal.example.com/',
      [],
      { ok: false, reason: 'address 192.168.10.20 of internal.example.com is not public' },
    ],
    ['https://internal.example.com/', ['192.168.0.0/16'], { ok: true }],
    [
      'https://receiver.internal/hook',
      [],
      { ok: false, reason: 'address 10.1.2.3 of receiver.internal is not public' },
    ],
    ['https://receiver.internal/hook', ['receiver.internal'], { ok: true }],
    [
      'https://mapped.example.com/',
      [],
      { ok: false, reason: 'address ::ffff:169.254.169.254 of mapped.example.com is not public' },
    ],
    ['http://127.0.0.1:3000/', [], { ok: false, reason: 'address 127.0.0.1 is not public' }],
    ['http://127.0.0.1:3000/', ['127.0.0.1/32'], { ok: true }],
    ['http://[::1]/', [], { ok: false, reason: 'address ::1 is not public' }],
    ['http://[::1]/', ['::1/128'], { ok: true }],
    ['https://nowhere.example.com/', [], { ok: false, reason: 'host nowhere.example.com does not exist' }],
    ['ftp://hooks.example.com/', [], { ok: false, reason: 'scheme must be http or https' }],
    ['javascript:alert(1)', [], { ok: false, reason: 'scheme must be http or https' }],
    ['https://user:secret@hooks.example.com/', [], { ok: false, reason: 'URL must not contain credentials' }],
    ['hooks.example.com/path', [], { ok: false, reason: 'not a valid URL' }],
    [
      `https://hooks.example.com/${'a'.repeat(2100)}`,
      [],
      { ok: false, reason: 'URL is longer than 2048 characters' },
    ],
  ] as const)('%s with allow list %j → %j', async (url, allowList, expected) => {
    expect(await checkEndpointUrl(url, allowList, dns)).toEqual(expected);
  });

  it('resolves with the system resolver by default (localhost is loopback)', async () => {
    expect(await checkEndpointUrl('http://localhost:8080/', [])).toEqual({
      ok: false,
      reason: 'address 127.0.0.1 of localhost is not public',
    });
    expect(await checkEndpointUrl('http://localhost:8080/', ['localhost'])).toEqual({ ok: true });
  });
});

describe('the connect-time guard (DNS rebinding)', () => {
  function lookupOnce(
    lookup: LookupFunction,
    hostname: string,
    all: boolean,
  ): Promise<{ error: Error | null; address: string | LookupAddress[] }> {
    return new Promise((resolve) =>
      lookup(hostname, { all, family: 0 }, (error, address) => resolve({ error, address })),
    );
  }

  it('refuses at connect time an address that was public when the endpoint was saved', async () => {
    // The attacker's DNS answers with a public address first, then with loopback.
    const answers = [['93.184.216.34'], ['127.0.0.1']];
    const rebinding: Resolve = async () => answers.shift()!.map((address) => ({ address, family: 4 }));
    expect(await checkEndpointUrl('https://rebind.example.com/', [], rebinding)).toEqual({ ok: true });
    const { error } = await lookupOnce(
      createGuardedLookup(parseAllowList([]), rebinding),
      'rebind.example.com',
      true,
    );
    expect(error).toBeInstanceOf(AddressRefusedError);
    expect(error?.message).toBe('address 127.0.0.1 of rebind.example.com is not public');
  });

  it('answers both lookup shapes net.connect uses, with the approved addresses only', async () => {
    const resolve: Resolve = async () => [
      { address: '2606:4700:4700::1111', family: 6 },
      { address: '1.1.1.1', family: 4 },
    ];
    const lookup = createGuardedLookup(parseAllowList([]), resolve);
    expect(await lookupOnce(lookup, 'one.example.com', true)).toEqual({
      error: null,
      address: await resolve('', { family: 0, hints: 0 }),
    });
    expect(await lookupOnce(lookup, 'one.example.com', false)).toEqual({
      error: null,
      address: '2606:4700:4700::1111',
    });
  });

  it('passes DNS failures through unchanged', async () => {
    const failing: Resolve = async () => {
      throw Object.assign(new Error('queryA ETIMEOUT'), { code: 'EAI_AGAIN' });
    };
    const { error } = await lookupOnce(
      createGuardedLookup(parseAllowList([]), failing),
      'slow.example.com',
      false,
    );
    expect((error as NodeJS.ErrnoException).code).toBe('EAI_AGAIN');
  });
});
