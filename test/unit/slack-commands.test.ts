import { describe, expect, it } from 'vitest';
import { encodeIdCode } from '../../src/domain/id-code.ts';
import {
  parseBuildCommand,
  parseLotCommand,
  parseMeasurements,
  parseTraceCommand,
  tokenize,
} from '../../src/domain/slack-commands.ts';
import {
  percentDone,
  progressBar,
  progressBucket,
  requestTimestampProblem,
} from '../../src/domain/slack-format.ts';
import { localClaims } from '../../src/queue/backend.ts';
import { JOBS } from '../../workers/catalogue.ts';
import { NOTIFY_SCHEDULES, cappedRetryDelays, notifyBackoffStrategy } from '../../src/queue/backoff.ts';

const B = encodeIdCode(123_456);
const L = encodeIdCode(987_654);

describe('slash command text', () => {
  it('splits words, keeps quoted ones together and undoes Slack escaping', () => {
    expect(tokenize('  start  "Weather station"  10 ')).toEqual(['start', 'Weather station', '10']);
    expect(tokenize('start \u201CBoard 2000\u201D 5')).toEqual(['start', 'Board 2000', '5']);
    expect(tokenize("start Bob's board 5")).toEqual(['start', "Bob's", 'board', '5']);
    expect(tokenize('cancel X R&amp;D &lt;late&gt;')).toEqual(['cancel', 'X', 'R&D', '<late>']);
  });

  it('reads /build start with a project code or a name of several words', () => {
    expect(parseBuildCommand(`start ${B} 10`)).toEqual({
      ok: true,
      request: { kind: 'start', project: B, quantity: 10, trackUnits: false, stages: [] },
    });
    expect(parseBuildCommand('start Weather station 25 track stages SMT, Test ,Pack')).toEqual({
      ok: true,
      request: {
        kind: 'start',
        project: 'Weather station',
        quantity: 25,
        trackUnits: true,
        stages: ['SMT', 'Test', 'Pack'],
      },
    });
    expect(parseBuildCommand('START "Board 2000" 5 track')).toMatchObject({
      ok: true,
      request: { project: 'Board 2000', quantity: 5, trackUnits: true },
    });
    // `incomplete`: build a project whose BOM import left lines out, knowingly (the API's acceptIncompleteBom).
    expect(parseBuildCommand(`start ${B} 3 incomplete track`)).toEqual({
      ok: true,
      request: {
        kind: 'start',
        project: B,
        quantity: 3,
        trackUnits: true,
        stages: [],
        acceptIncompleteBom: true,
      },
    });
  });

  it.each([
    ['start Sensor 0', 'quantity must be at least 1'],
    ['start Sensor 99999999999', 'more than a build may make'],
    ['start Sensor 2.5', "quantity '2.5' is not a whole number"],
    ['start Sensor -3', "quantity '-3' is not a whole number"],
    ['start Sensor', 'a quantity is needed'],
    ['start 10', 'name a project before the quantity'],
    ['start', 'name a project and a quantity'],
    ['start Sensor 10 fast', "'fast' is not an option"],
    ['start Sensor 10 stages', 'name the stages'],
  ])('answers %j with usage: %s', (text, problem) => {
    const parsed = parseBuildCommand(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.problem).toContain(problem);
      expect(parsed.usage).toContain('/build start');
    }
  });

  it('reads the build verbs, normalizing the ID code', () => {
    expect(parseBuildCommand(`complete ${B.toLowerCase()}`)).toEqual({
      ok: true,
      request: { kind: 'complete', build: B },
    });
    expect(parseBuildCommand(`status ${B}`)).toEqual({ ok: true, request: { kind: 'status', build: B } });
    expect(parseBuildCommand(`advance ${B} reflow ok`)).toEqual({
      ok: true,
      request: { kind: 'advance', build: B, comment: 'reflow ok' },
    });
    expect(parseBuildCommand(`cancel ${B}`)).toEqual({ ok: true, request: { kind: 'cancel', build: B } });
    expect(parseBuildCommand(`cancel ${B} wrong BOM`)).toMatchObject({ request: { reason: 'wrong BOM' } });
    expect(parseBuildCommand(`retry ${B.toLowerCase()}`)).toEqual({
      ok: true,
      request: { kind: 'retry', build: B },
    });
    expect(parseBuildCommand(`retry ${B} please`)).toMatchObject({
      ok: false,
      problem: "unexpected 'please' after the build",
    });
  });

  it('takes serials after /build complete, as the API does (#15 item 6)', () => {
    for (const text of [`complete ${B} 1-3`, `complete ${B} serials 1-3`])
      expect(parseBuildCommand(text)).toEqual({
        ok: true,
        request: { kind: 'complete', build: B, serials: '1-3' },
      });
    expect(parseBuildCommand(`complete ${B} 1-3, 7`)).toMatchObject({ request: { serials: '1-3,7' } });
  });

  it('names a word after a whole ID code that is not a direction (#15 item 5)', () => {
    expect(parseTraceCommand(`${B} sideways`)).toMatchObject({
      ok: false,
      problem: "'sideways' is not a direction: use forward or backward",
    });
    expect(parseTraceCommand(`${B} fwd`)).toMatchObject({ ok: true, request: { direction: 'forward' } });
  });

  it('answers a missing or mistyped build code with usage', () => {
    expect(parseBuildCommand('complete')).toMatchObject({
      ok: false,
      problem: 'name the build by its ID code',
    });
    const typo = B.slice(0, 9) + (B[9] === '0' ? '1' : '0');
    expect(parseBuildCommand(`status ${typo}`)).toMatchObject({
      ok: false,
      problem: expect.stringContaining('check character'),
    });
    expect(parseBuildCommand(`complete ${B} now`)).toMatchObject({
      ok: false,
      problem: "'now' is not a serial or a range of serials (e.g. `1-3,7`)",
    });
    expect(parseBuildCommand('explode')).toMatchObject({
      ok: false,
      problem: "'explode' is not a /build command",
    });
  });

  it('reads /build labels with a template and a serial range in any order', () => {
    expect(parseBuildCommand(`labels ${B}`)).toEqual({ ok: true, request: { kind: 'labels', build: B } });
    expect(parseBuildCommand(`labels ${B} a4-3x8 serials 1-50`)).toEqual({
      ok: true,
      request: { kind: 'labels', build: B, template: 'a4-3x8', serials: '1-50' },
    });
    expect(parseBuildCommand(`labels ${B} 7`)).toMatchObject({ request: { serials: '7' } });
    expect(parseBuildCommand(`labels ${B} zebra-2x1in 300dpi 1-5`)).toEqual({
      ok: true,
      request: { kind: 'labels', build: B, template: 'zebra-2x1in', dpi: 300, serials: '1-5' },
    });
    expect(parseBuildCommand(`labels ${B} serials`)).toMatchObject({ ok: false });
    expect(parseBuildCommand(`labels ${B} serials 9-3`)).toMatchObject({ ok: false });
    // The list grammar the API takes everywhere.
    expect(parseBuildCommand(`labels ${B} serials 1-20,25`)).toMatchObject({
      request: { serials: '1-20,25' },
    });
    expect(parseBuildCommand(`labels ${B} 1-3,9-7`)).toMatchObject({ ok: false });
  });

  it('treats no text and help as a request for help', () => {
    for (const text of ['', '  ', 'help', 'HELP']) {
      expect(parseBuildCommand(text)).toEqual({ ok: true, request: { kind: 'help' } });
      expect(parseLotCommand(text)).toEqual({ ok: true, request: { kind: 'help' } });
      expect(parseTraceCommand(text)).toEqual({ ok: true, request: { kind: 'help' } });
    }
  });

  it('reads /lot as an ID code or a build and serial', () => {
    expect(parseLotCommand(L.toLowerCase())).toEqual({ ok: true, request: { kind: 'lot', code: L } });
    expect(parseLotCommand(`${L.slice(0, 5)} ${L.slice(5)}`)).toEqual({
      ok: true,
      request: { kind: 'lot', code: L },
    });
    for (const text of [`${B} 12`, `${B}/12`, `${B}#12`, `${B} serial 12`, `${B} #12`]) {
      expect(parseLotCommand(text)).toEqual({ ok: true, request: { kind: 'unit', build: B, serial: 12 } });
    }
    expect(parseLotCommand('nonsense')).toMatchObject({ ok: false, usage: expect.stringContaining('/lot') });
    expect(parseLotCommand(`${B} 0`)).toMatchObject({ ok: false, problem: 'serial 0 is out of range' });
  });

  it('reads /lot <formatted serial> (the serial printed largest on a label), keeping typo help for ID codes', () => {
    expect(parseLotCommand('GLA-2650-00015')).toEqual({
      ok: true,
      request: { kind: 'serial', serial: 'GLA-2650-00015' },
    });
    expect(parseLotCommand('cx-007')).toEqual({ ok: true, request: { kind: 'serial', serial: 'cx-007' } });
    // Ten characters with a failing check character is a mistyped ID code, answered as one.
    const typo = `${L.slice(0, 9)}${L[9] === '0' ? '1' : '0'}`;
    expect(parseLotCommand(typo)).toMatchObject({ ok: false });
    // … unless written with hyphens, as formatted serials are: `PX-{yy}{ww}-{seq:04}` has 10 characters
    // without them (#17). The lookup still names the ID code's problem when no device has it.
    expect(parseLotCommand('PX-2650-0042')).toEqual({
      ok: true,
      request: { kind: 'serial', serial: 'PX-2650-0042' },
    });
  });

  it('reads /trace with an optional direction', () => {
    expect(parseTraceCommand(L)).toEqual({
      ok: true,
      request: { kind: 'trace', code: L, direction: 'backward' },
    });
    expect(parseTraceCommand(`${L} forward`)).toEqual({
      ok: true,
      request: { kind: 'trace', code: L, direction: 'forward' },
    });
    expect(parseTraceCommand(`${L} back`)).toMatchObject({ request: { direction: 'backward' } });
    expect(parseTraceCommand('forward')).toMatchObject({ ok: false });
  });

  it('reads measurements as name=value pairs, numbers as numbers', () => {
    expect(parseMeasurements('vout=3.31, current: 0.12, fw = 1.4.2\nok=yes')).toEqual({
      ok: true,
      measurements: { vout: 3.31, current: 0.12, fw: '1.4.2', ok: 'yes' },
    });
    expect(parseMeasurements('')).toEqual({ ok: true, measurements: {} });
    expect(parseMeasurements('just text')).toMatchObject({
      ok: false,
      problem: "'just text' is not name=value",
    });
  });
});

describe('Slack formatting rules', () => {
  it('draws a progress bar and throttles updates to 10% steps', () => {
    expect(progressBar(0, 50)).toBe('░░░░░░░░░░ 0% (0/50)');
    expect(progressBar(25, 50)).toBe('▓▓▓▓▓░░░░░ 50% (25/50)');
    expect(progressBar(10_000, 10_000)).toBe('▓▓▓▓▓▓▓▓▓▓ 100% (10,000/10,000)');
    expect(percentDone(9_999, 10_000)).toBe(99);
    expect([0, 9, 10, 55, 99, 100].map((d) => progressBucket(d, 100))).toEqual([0, 0, 1, 5, 9, 10]);
  });

  it('accepts request timestamps within five minutes either way', () => {
    const now = 1_800_000_000_000;
    const s = (offset: number) => String(now / 1000 + offset);
    expect(requestTimestampProblem(s(0), now)).toBeNull();
    expect(requestTimestampProblem(s(-300), now)).toBeNull();
    expect(requestTimestampProblem(s(300), now)).toBeNull();
    expect(requestTimestampProblem(s(-301), now)).toBe('stale');
    expect(requestTimestampProblem(s(301), now)).toBe('future');
    expect(requestTimestampProblem(undefined, now)).toBe('missing');
    expect(requestTimestampProblem('12abc', now)).toBe('invalid');
  });
});

describe('the notify retry schedule', () => {
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

  it('doubles from 1 s to a 10 min cap and keeps trying messages and uploads for 24 h', () => {
    const delays = NOTIFY_SCHEDULES['notify-24h'];
    expect(delays.slice(0, 11)).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000, 600_000,
    ]);
    expect(Math.max(...delays)).toBe(600_000);
    expect(delays).toHaveLength(153);
    // 1,023 s of doubling, 142 retries 10 min apart, and a last one 177 s later: exactly 24 h.
    expect(delays.slice(10, -1).every((d) => d === 600_000)).toBe(true);
    expect(delays.at(-1)).toBe(177_000);
    expect(sum(delays)).toBe(24 * 3600_000);
  });

  it('stops answers through a response_url after 25 min, before Slack expires the URL at 30', () => {
    const delays = NOTIFY_SCHEDULES['notify-response-url'];
    expect(delays).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000, 477_000,
    ]);
    expect(sum(delays)).toBe(25 * 60_000);
  });

  it('gives up on a quarantine notice after an hour: a notice that old is noise (#15 item 7)', () => {
    const delays = NOTIFY_SCHEDULES['notify-notice'];
    expect(delays.slice(0, 11)).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000, 600_000,
    ]);
    expect(sum(delays)).toBe(60 * 60_000);
    expect(JOBS['notify.notice'].options).toEqual({ attempts: 16, backoff: { type: 'notify-notice' } });
    expect(notifyBackoffStrategy(16, 'notify-notice')).toBe(-1);
  });

  it('is what the catalogue gives the notify jobs, and what the workers compute', () => {
    expect(JOBS['notify.message'].options).toEqual({ attempts: 154, backoff: { type: 'notify-24h' } });
    expect(JOBS['notify.upload'].options).toEqual({ attempts: 154, backoff: { type: 'notify-24h' } });
    expect(JOBS['notify.respond'].options).toEqual({
      attempts: 12,
      backoff: { type: 'notify-response-url' },
    });
    // BullMQ passes the attempts made so far, the failed one included: 1 after the first failure.
    expect(notifyBackoffStrategy(1, 'notify-24h')).toBe(1_000);
    expect(notifyBackoffStrategy(11, 'notify-24h')).toBe(600_000);
    expect(notifyBackoffStrategy(153, 'notify-24h')).toBe(177_000);
    expect(notifyBackoffStrategy(154, 'notify-24h')).toBe(-1);
    expect(notifyBackoffStrategy(11, 'notify-response-url')).toBe(477_000);
    expect(() => notifyBackoffStrategy(1, 'linear')).toThrow('unknown backoff strategy linear');
  });

  it('gives every custom backoff type in the catalogue a schedule', () => {
    for (const job of Object.values(JOBS)) {
      const type = (job as { options?: { backoff?: { type: string } } }).options?.backoff?.type;
      if (type && type !== 'fixed' && type !== 'exponential')
        expect(Object.keys(NOTIFY_SCHEDULES)).toContain(type);
    }
  });

  it('shortens only the last delay to fit the window', () => {
    expect(cappedRetryDelays(10_000, 1_000, 4_000)).toEqual([1_000, 2_000, 4_000, 3_000]);
    expect(cappedRetryDelays(7_000, 1_000, 4_000)).toEqual([1_000, 2_000, 4_000]);
  });
});

describe('seen Slack requests kept in memory (PostgreSQL queue backend, or Redis unreachable)', () => {
  it('claims a key once until its time to live has passed', () => {
    let now = 1_000;
    const claims = localClaims(() => now);
    expect(claims.claim('slack-seen:1:a', 600_000)).toBe(true);
    expect(claims.claim('slack-seen:1:a', 600_000)).toBe(false);
    expect(claims.claim('slack-seen:1:b', 600_000)).toBe(true);
    now += 600_001;
    expect(claims.claim('slack-seen:1:a', 600_000)).toBe(true);
  });
});
