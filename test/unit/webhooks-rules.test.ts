import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/domain/events.ts';
import {
  ENDPOINT_DISABLE_AFTER_MS,
  WEBHOOK_MAX_ATTEMPTS,
  decideAfterAttempt,
  endpointSubscribes,
  generateWebhookSecret,
  isPublicAddress,
  isValidEventPattern,
  isWebhookSecret,
  nextAttemptDelay,
  nonPublicRange,
  outcomeOfStatus,
  parseAllowList,
  parseIpAddress,
  parseWebhookSecret,
  shouldDisableEndpoint,
} from '../../src/domain/webhooks.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

describe('retry schedule', () => {
  it('waits about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then gives up: 8 attempts in all', () => {
    const middle = () => 0.5; // no jitter
    const delays = Array.from({ length: 8 }, (_, i) => nextAttemptDelay(i + 1, middle));
    expect(delays).toEqual([
      5 * SECOND,
      5 * MINUTE,
      30 * MINUTE,
      2 * HOUR,
      5 * HOUR,
      10 * HOUR,
      10 * HOUR,
      null,
    ]);
    expect(WEBHOOK_MAX_ATTEMPTS).toBe(8);
    expect(nextAttemptDelay(9)).toBeNull();
  });

  it('jitters each delay by at most ±10 %', () => {
    expect(nextAttemptDelay(1, () => 0)).toBe(4_500);
    expect(nextAttemptDelay(1, () => 0.999_999)).toBe(5_500);
    for (let i = 0; i < 1000; i++) {
      const delay = nextAttemptDelay(2)!;
      expect(delay).toBeGreaterThanOrEqual(4.5 * MINUTE);
      expect(delay).toBeLessThanOrEqual(5.5 * MINUTE);
    }
  });

  it('refuses attempt numbers that are not positive integers', () => {
    expect(() => nextAttemptDelay(0)).toThrow(RangeError);
    expect(() => nextAttemptDelay(1.5)).toThrow(RangeError);
    expect(() => nextAttemptDelay(Number.NaN)).toThrow(RangeError);
  });
});

describe('attempt outcomes', () => {
  it.each([
    [200, 'success'],
    [201, 'success'],
    [204, 'success'],
    [299, 'success'],
    [410, 'gone'],
    [301, 'retry'],
    [302, 'retry'],
    [304, 'retry'],
    [400, 'retry'],
    [404, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [100, 'retry'],
  ] as const)('status %i → %s', (status, outcome) => {
    expect(outcomeOfStatus(status)).toBe(outcome);
  });

  it('disables an endpoint only after more than 24 h of failing', () => {
    const now = new Date('2025-06-02T12:00:00Z');
    expect(shouldDisableEndpoint(null, now)).toBe(false);
    expect(shouldDisableEndpoint(new Date(now.getTime() - ENDPOINT_DISABLE_AFTER_MS), now)).toBe(false);
    expect(shouldDisableEndpoint(new Date(now.getTime() - ENDPOINT_DISABLE_AFTER_MS - 1), now)).toBe(true);
    expect(shouldDisableEndpoint(new Date(now.getTime() - 23 * HOUR), now)).toBe(false);
  });

  describe('decideAfterAttempt', () => {
    const now = new Date('2025-06-02T12:00:00Z');
    const random = () => 0.5;

    it('a success ends the delivery and clears the failure clock', () => {
      expect(
        decideAfterAttempt({
          outcome: 'success',
          attemptNumber: 3,
          failingSince: new Date(now.getTime() - HOUR),
          now,
        }),
      ).toEqual({
        delivery: 'succeeded',
        retryInMs: null,
        failingSince: null,
        disableEndpoint: null,
      });
    });

    it('410 Gone disables the endpoint at once', () => {
      expect(decideAfterAttempt({ outcome: 'gone', attemptNumber: 1, failingSince: null, now })).toEqual({
        delivery: 'failed',
        retryInMs: null,
        failingSince: now,
        disableEndpoint: 'gone',
      });
    });

    it('a failure on a healthy endpoint starts its failure clock and retries', () => {
      expect(
        decideAfterAttempt({ outcome: 'retry', attemptNumber: 1, failingSince: null, now, random }),
      ).toEqual({
        delivery: 'retrying',
        retryInMs: 5 * SECOND,
        failingSince: now,
        disableEndpoint: null,
      });
    });

    it('keeps an earlier failure clock, and treats refused like a retry', () => {
      const since = new Date(now.getTime() - 2 * HOUR);
      expect(
        decideAfterAttempt({ outcome: 'refused', attemptNumber: 4, failingSince: since, now, random }),
      ).toEqual({
        delivery: 'retrying',
        retryInMs: 2 * HOUR, // after the 4th attempt: the 4th delay
        failingSince: since,
        disableEndpoint: null,
      });
    });

    it('gives the delivery up after the 8th attempt', () => {
      expect(
        decideAfterAttempt({ outcome: 'retry', attemptNumber: 8, failingSince: now, now }),
      ).toMatchObject({ delivery: 'failed', retryInMs: null, disableEndpoint: null });
    });

    it('disables an endpoint failing for more than 24 h', () => {
      const since = new Date(now.getTime() - 25 * HOUR);
      expect(decideAfterAttempt({ outcome: 'retry', attemptNumber: 2, failingSince: since, now })).toEqual({
        delivery: 'failed',
        retryInMs: null,
        failingSince: since,
        disableEndpoint: 'failing',
      });
    });
  });
});

describe('event-type subscriptions', () => {
  it('matches exact types, prefixes and everything (reusing eventMatches)', () => {
    expect(endpointSubscribes(['build.completed'], 'build.completed')).toBe(true);
    expect(endpointSubscribes(['build.completed'], 'build.started')).toBe(false);
    expect(endpointSubscribes(['build.*'], 'build.stage_completed')).toBe(true);
    expect(endpointSubscribes(['build.*'], 'lots.generated')).toBe(false);
    expect(endpointSubscribes(['lot.*'], 'lots.generated')).toBe(false);
    expect(endpointSubscribes(['lot.*', 'labels.ready'], 'labels.ready')).toBe(true);
    expect(endpointSubscribes(['*'], 'recall.ready')).toBe(true);
    expect(endpointSubscribes([], 'recall.ready')).toBe(false);
  });

  it('accepts only patterns that can match a known event type', () => {
    for (const type of EVENT_TYPES) expect(isValidEventPattern(type)).toBe(true);
    for (const ok of ['*', 'build.*', 'lot.*', 'lots.*', 'recall.*'])
      expect(isValidEventPattern(ok)).toBe(true);
    for (const bad of [
      '',
      '.*',
      'build.complete',
      'builds.*',
      'build*',
      'build.**',
      '**',
      'BUILD.COMPLETED',
      'build.completed ',
    ]) {
      expect(isValidEventPattern(bad), bad).toBe(false);
    }
  });
});

describe('webhook secrets', () => {
  it('generates whsec_ + base64 of 32 random bytes by default, and 24–64 on request', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(parseWebhookSecret(secret)).toMatchObject({ ok: true });
    expect(generateWebhookSecret()).not.toBe(secret);
    for (const bytes of [24, 33, 64]) {
      const parsed = parseWebhookSecret(generateWebhookSecret(bytes));
      expect(parsed.ok && parsed.key.length).toBe(bytes);
    }
    expect(() => generateWebhookSecret(23)).toThrow(RangeError);
    expect(() => generateWebhookSecret(65)).toThrow(RangeError);
  });

  it.each([
    ['no prefix', Buffer.alloc(32, 1).toString('base64')],
    ['wrong prefix', `whsek_${Buffer.alloc(32, 1).toString('base64')}`],
    ['too short', `whsec_${Buffer.alloc(23, 1).toString('base64')}`],
    ['too long', `whsec_${Buffer.alloc(65, 1).toString('base64')}`],
    ['url-safe alphabet', `whsec_${Buffer.alloc(32, 0xfb).toString('base64url')}=`],
    ['missing padding', `whsec_${Buffer.alloc(32, 1).toString('base64').replace(/=+$/, '')}`],
    ['non-canonical last character', `whsec_${Buffer.alloc(32, 0).toString('base64').replace('A=', 'B=')}`],
    ['whitespace', `whsec_ ${Buffer.alloc(32, 1).toString('base64')}`],
    ['empty', 'whsec_'],
  ])('rejects a secret with %s, without echoing it', (_, secret) => {
    const parsed = parseWebhookSecret(secret);
    expect(parsed.ok).toBe(false);
    expect(isWebhookSecret(secret)).toBe(false);
    if (!parsed.ok && secret.length > 10) expect(parsed.reason).not.toContain(secret.slice(6));
  });
});

describe('isPublicAddress', () => {
  it.each([
    // Public
    ['8.8.8.8', true],
    ['1.1.1.1', true],
    ['93.184.216.34', true],
    ['100.63.255.255', true],
    ['100.128.0.0', true],
    ['172.15.255.255', true],
    ['172.32.0.0', true],
    ['192.167.255.255', true],
    ['192.169.0.0', true],
    ['198.17.255.255', true],
    ['198.20.0.0', true],
    ['223.255.255.255', true],
    ['2606:4700:4700::1111', true],
    ['2a00:1450:4001:82b::200e', true],
    ['2001:4860:4860::8888', true],
    ['::ffff:8.8.8.8', true],
    ['::ffff:808:808', true],
    ['64:ff9b::808:808', true],
    ['2002:808:808::1', true],
    // Loopback
    ['127.0.0.1', false],
    ['127.255.255.254', false],
    ['::1', false],
    ['[::1]', false],
    ['0:0:0:0:0:0:0:1', false],
    // Private, CGNAT, link-local, metadata
    ['10.0.0.5', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.1.1', false],
    ['100.64.0.1', false],
    ['100.127.255.255', false],
    ['100.100.100.200', false],
    ['169.254.169.254', false],
    ['168.63.129.16', false],
    ['fe80::1', false],
    ['fe80::1%eth0', false],
    ['febf:ffff::1', false],
    ['fc00::1', false],
    ['fd00:ec2::254', false],
    ['fec0::1', false],
    // Unspecified, this network, broadcast, multicast, reserved
    ['0.0.0.0', false],
    ['0.1.2.3', false],
    ['::', false],
    ['255.255.255.255', false],
    ['224.0.0.1', false],
    ['239.255.255.250', false],
    ['240.0.0.1', false],
    ['ff02::1', false],
    ['ff0e::1', false],
    // Documentation, benchmarking, protocol assignments
    ['192.0.2.1', false],
    ['198.51.100.7', false],
    ['203.0.113.9', false],
    ['198.18.0.1', false],
    ['198.19.255.255', false],
    ['192.0.0.8', false],
    ['192.0.0.192', false],
    ['192.88.99.1', false],
    ['2001:db8::1', false],
    ['3fff::1', false],
    ['2001::1', false],
    ['2001:2::1', false],
    ['100::1', false],
    ['5f00::1', false],
    // IPv4 inside IPv6
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['0:0:0:0:0:ffff:7f00:0001', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:169.254.169.254', false],
    ['::ffff:0.0.0.0', false],
    ['::127.0.0.1', false],
    ['::ffff:0:127.0.0.1', false],
    ['64:ff9b::7f00:1', false],
    ['64:ff9b::10.0.0.1', false],
    ['64:ff9b:1::8.8.8.8', false],
    ['2002:7f00:1::', false],
    ['2002:a9fe:a9fe::1', false],
    // Not addresses (fail closed), or forms resolvers read differently
    ['', false],
    ['localhost', false],
    ['example.com', false],
    ['127.1', false],
    ['0177.0.0.1', false],
    ['0x7f.0.0.1', false],
    ['2130706433', false],
    ['010.0.0.1', false],
    ['256.1.1.1', false],
    ['1.2.3.4.5', false],
    [' 8.8.8.8', false],
    ['1:2:3:4:5:6:7:8:9', false],
    ['1::2::3', false],
    ['12345::', false],
    [':1', false],
    ['1.2.3.4::', false],
  ] as const)('%s → %s', (ip, expected) => {
    expect(isPublicAddress(ip)).toBe(expected);
  });

  it('names the range that makes an address non-public', () => {
    expect(nonPublicRange('10.0.0.5')).toBe('private');
    expect(nonPublicRange('::ffff:127.0.0.1')).toBe('IPv4-mapped loopback');
    expect(nonPublicRange('fe80::1')).toBe('link-local');
    expect(nonPublicRange('nope')).toBe('not an IP address');
    expect(nonPublicRange('8.8.8.8')).toBeNull();
  });

  it('parses IPv6 forms into the same bytes', () => {
    const bytes = (ip: string) => Array.from(parseIpAddress(ip)?.bytes ?? []);
    expect(bytes('::ffff:127.0.0.1')).toEqual(bytes('0:0:0:0:0:ffff:7f00:1'));
    expect(bytes('1::')).toEqual(bytes('1:0:0:0:0:0:0:0'));
    expect(bytes('1:2:3:4:5:6:7::')).toEqual(bytes('1:2:3:4:5:6:7:0'));
    expect(parseIpAddress('1:2:3:4:5:6:7:8::')).toBeNull();
  });
});

describe('allow list', () => {
  const list = parseAllowList([
    'localhost',
    'Receiver.Internal.',
    '127.0.0.1/32',
    '10.0.0.0/8',
    '::1/128',
    '192.168.1.7',
    'fd00::/8',
  ]);

  it('matches host names exactly and case-insensitively', () => {
    expect(list.allowsHost('localhost')).toBe(true);
    expect(list.allowsHost('LOCALHOST.')).toBe(true);
    expect(list.allowsHost('receiver.internal')).toBe(true);
    expect(list.allowsHost('other.internal')).toBe(false);
    expect(list.allowsHost('evil-receiver.internal')).toBe(false);
    expect(list.allowsHost('localhost.evil.com')).toBe(false);
  });

  it('matches addresses against IPs and CIDR blocks, IPv4-mapped forms included', () => {
    expect(list.allowsAddress('127.0.0.1')).toBe(true);
    expect(list.allowsAddress('::ffff:127.0.0.1')).toBe(true);
    expect(list.allowsAddress('127.0.0.2')).toBe(false);
    expect(list.allowsAddress('10.200.3.4')).toBe(true);
    expect(list.allowsAddress('::ffff:10.200.3.4')).toBe(true);
    expect(list.allowsAddress('11.0.0.1')).toBe(false);
    expect(list.allowsAddress('::1')).toBe(true);
    expect(list.allowsAddress('::2')).toBe(false);
    expect(list.allowsAddress('192.168.1.7')).toBe(true);
    expect(list.allowsAddress('192.168.1.8')).toBe(false);
    expect(list.allowsAddress('fd12:3456::1')).toBe(true);
    expect(list.allowsAddress('fe80::1')).toBe(false);
    expect(list.allowsAddress('localhost')).toBe(false);
    // A literal IP host is allowed through its address.
    expect(list.allowsHost('[::1]')).toBe(true);
    expect(list.allowsHost('10.1.1.1')).toBe(true);
  });

  it('understands IPv4-mapped CIDR entries and prefix edge cases', () => {
    const mapped = parseAllowList(['::ffff:172.16.0.0/108', '0.0.0.0/0']);
    expect(mapped.allowsAddress('172.31.1.1')).toBe(true);
    expect(mapped.allowsAddress('203.0.113.1')).toBe(true); // /0 allows every IPv4 address
    expect(mapped.allowsAddress('::1')).toBe(false);
    const odd = parseAllowList(['10.0.0.128/25']);
    expect(odd.allowsAddress('10.0.0.200')).toBe(true);
    expect(odd.allowsAddress('10.0.0.127')).toBe(false);
  });

  it('rejects entries that are neither host, IP nor CIDR', () => {
    for (const bad of [
      '',
      'http://localhost',
      '10.0.0.0/33',
      '::1/129',
      '*.internal',
      'a b',
      '10.0.0.0/x',
      'host:8080',
    ]) {
      expect(() => parseAllowList([bad]), bad).toThrow(RangeError);
    }
    expect(parseAllowList([]).allowsAddress('127.0.0.1')).toBe(false);
  });
});
