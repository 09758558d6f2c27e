/**
 * The pure rules behind what webhook consumers see (issue #15, items 10–12): which patterns receive
 * the endpoint events, how an endpoint is named in them, absolute links, serial ranges in events,
 * and one way of seeing a host name when an endpoint is saved and when it is connected to.
 */
import { describe, expect, it } from 'vitest';
import { formatSerialRanges, parseSerialRanges } from '../../src/domain/builds.ts';
import { EVENT_TYPES, eventMatches, withAbsoluteLinks } from '../../src/domain/events.ts';
import { endpointOrigin, endpointSubscribes } from '../../src/domain/webhooks.ts';
import { checkEndpointUrl, hostOf, type Resolve } from '../../src/webhooks/address-guard.ts';

describe('events about webhook endpoints (item 10)', () => {
  it('reach only endpoints that name them: * matches every other event type', () => {
    for (const type of EVENT_TYPES)
      expect(eventMatches('*', type), type).toBe(type !== 'webhook_endpoint.disabled');
    expect(endpointSubscribes(['*'], 'webhook_endpoint.disabled')).toBe(false);
    expect(endpointSubscribes(['webhook_endpoint.disabled'], 'webhook_endpoint.disabled')).toBe(true);
    expect(endpointSubscribes(['*', 'webhook_endpoint.*'], 'webhook_endpoint.disabled')).toBe(true);
  });

  it('name an endpoint by its origin: no path, query, fragment or credentials', () => {
    expect(endpointOrigin('https://erp.example.com/hooks/tok_123?key=abc#x')).toBe('https://erp.example.com');
    expect(endpointOrigin('http://127.0.0.1:3303/h')).toBe('http://127.0.0.1:3303');
    expect(endpointOrigin('https://u:p@erp.example.com:443/h')).toBe('https://erp.example.com');
    expect(endpointOrigin('http://[::1]:8080/x')).toBe('http://[::1]:8080');
    expect(endpointOrigin('not a url')).toBe('an invalid URL');
  });
});

describe('links in event data (item 12)', () => {
  it('become absolute against PUBLIC_URL; other fields and absolute values are left alone', () => {
    const data = {
      run: 7,
      download: '/api/v1/labels/7/pdf',
      report: '/api/v1/recalls/2/report.csv',
      note: '/x',
    };
    expect(withAbsoluteLinks(data, 'https://trace.example.com/')).toEqual({
      run: 7,
      download: 'https://trace.example.com/api/v1/labels/7/pdf',
      report: 'https://trace.example.com/api/v1/recalls/2/report.csv',
      note: '/x',
    });
    expect(withAbsoluteLinks({ download: 'https://elsewhere/x' }, 'https://t')).toEqual({
      download: 'https://elsewhere/x',
    });
    expect(withAbsoluteLinks({ download: '//evil.example/x' }, 'https://t')).toEqual({
      download: '//evil.example/x',
    });
    expect(data.download).toBe('/api/v1/labels/7/pdf');
  });

  it('write serials as the ranges the API reads', () => {
    expect(formatSerialRanges([1, 2])).toBe('1-2');
    expect(formatSerialRanges([1, 2, 3, 5, 9, 10])).toBe('1-3,5,9-10');
    expect(formatSerialRanges([4])).toBe('4');
    expect(formatSerialRanges([])).toBe('');
    const serials = [1, 3, 4, 5, 8, 100, 101];
    expect(parseSerialRanges(formatSerialRanges(serials), 200)).toEqual(serials);
  });
});

describe('host names at save and connect time (item 11)', () => {
  const resolved: string[] = [];
  const dns: Resolve = async (hostname) => {
    resolved.push(hostname);
    if (hostname === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  };

  it('sees a name written with a trailing dot or capitals as the name the socket connects to', async () => {
    expect(hostOf(new URL('http://LocalHost.:3303/x'))).toBe('localhost');
    resolved.length = 0;
    expect(await checkEndpointUrl('http://localhost.:3303/', ['localhost'], dns)).toEqual({ ok: true });
    expect(resolved).toEqual(['localhost']);
  });

  it('resolves an allow-listed name too: one that does not resolve is refused when saved', async () => {
    expect(await checkEndpointUrl('http://gone.internal./x', ['gone.internal'], dns)).toEqual({
      ok: false,
      reason: 'host gone.internal does not exist',
    });
    // An allow-listed address needs no resolving.
    expect(await checkEndpointUrl('http://10.1.2.3/x', ['10.0.0.0/8'], dns)).toEqual({ ok: true });
  });
});
