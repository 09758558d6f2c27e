/**
 * `/build print` and `/printer`, parsed (requests for good text, a problem and the usage for bad),
 * and a print run's message: its line and the buttons that apply.
 */
import { describe, expect, it } from 'vitest';
import { encodeIdCode } from '../../src/domain/id-code.ts';
import { parseBuildCommand } from '../../src/domain/slack-commands.ts';
import { parsePrinterCommand } from '../../src/domain/slack-printer-commands.ts';
import { printSubject, slackSubjects } from '../../src/commands/slack/shared.ts';
import type { LabelRun } from '../../src/commands/ports.ts';
import { ACTIONS } from '../../src/slack/ids.ts';
import { printRunMessage } from '../../src/slack/presenters/printing.ts';

const B = encodeIdCode(123_456);

describe('/build print', () => {
  it("prints on the project's default printer when no printer is named", () => {
    expect(parseBuildCommand(`print ${B}`)).toEqual({
      ok: true,
      request: { kind: 'print', build: B, printer: 'default' },
    });
  });

  it('takes a printer name of several words, quoted or not, and serials after `serials`', () => {
    const expected = { kind: 'print', build: B, printer: 'Zebra line 2', serials: '1-20,25' };
    expect(parseBuildCommand(`print ${B} Zebra line 2 serials 1-20,25`)).toEqual({
      ok: true,
      request: expected,
    });
    expect(parseBuildCommand(`print ${B} "Zebra line 2" serials 1-20,25`)).toEqual({
      ok: true,
      request: expected,
    });
    expect(parseBuildCommand(`print ${B} serials 3 \u201CZebra line 2\u201D`)).toEqual({
      ok: true,
      request: { ...expected, serials: '3' },
    });
  });

  it('answers bad text with the problem and the usage', () => {
    for (const [text, problem] of [
      ['print', /name the build/],
      ['print NOTACODE1', /not a build ID code/],
      [`print ${B} Zebra serials`, /`serials` needs serials/],
      [`print ${B} serials 9-3`, /not a range from low to high/],
      [`print ${B} ${'x'.repeat(61)}`, /too long for a printer name/],
    ] as const) {
      const parsed = parseBuildCommand(text);
      expect(parsed.ok, text).toBe(false);
      if (!parsed.ok) {
        expect(parsed.problem).toMatch(problem);
        expect(parsed.usage).toContain('/build print <build> [printer name]');
      }
    }
  });
});

describe('/printer', () => {
  it('lists, shows, removes and helps', () => {
    expect(parsePrinterCommand('')).toEqual({ ok: true, request: { kind: 'help' } });
    expect(parsePrinterCommand('help')).toEqual({ ok: true, request: { kind: 'help' } });
    expect(parsePrinterCommand('list')).toEqual({ ok: true, request: { kind: 'list' } });
    expect(parsePrinterCommand('status Zebra line 2')).toEqual({
      ok: true,
      request: { kind: 'status', printer: 'Zebra line 2' },
    });
    expect(parsePrinterCommand('remove "Zebra line 2"')).toEqual({
      ok: true,
      request: { kind: 'remove', printer: 'Zebra line 2' },
    });
  });

  it('adds a printer whose name has spaces, quoted or simply before the driver', () => {
    const expected = {
      kind: 'add',
      name: 'Zebra line 2',
      driver: 'zpl',
      address: '10.0.4.21:9100',
      template: 'zebra-2x1in',
      dpi: 300,
    };
    expect(parsePrinterCommand('add "Zebra line 2" zpl 10.0.4.21:9100 zebra-2x1in 300')).toEqual({
      ok: true,
      request: expected,
    });
    expect(parsePrinterCommand('add Zebra line 2 ZPL 10.0.4.21:9100 Zebra-2x1in 300dpi')).toEqual({
      ok: true,
      request: expected,
    });
    expect(parsePrinterCommand('add Office ipp ipp://printer.local/ipp/print a4-3x8')).toEqual({
      ok: true,
      request: {
        kind: 'add',
        name: 'Office',
        driver: 'ipp',
        address: 'ipp://printer.local/ipp/print',
        template: 'a4-3x8',
      },
    });
  });

  it('answers bad text with the problem and the usage', () => {
    for (const [text, problem] of [
      ['add', /name the printer/],
      ['add Zebra 10.0.4.21 zebra-2x1in', /name a driver/],
      ['add Zebra zpl', /address/],
      ['add Zebra zpl 10.0.4.21:99999', /port must be/],
      ['add Zebra ipp 10.0.4.21', /printer URI/],
      ['add Zebra zpl 10.0.4.21', /label template/],
      ['add Zebra zpl 10.0.4.21 nope-4x6', /'nope-4x6' is not a label template/],
      ['add Zebra zpl 10.0.4.21 zebra-2x1in fine', /not a resolution/],
      ['add Zebra zpl 10.0.4.21 zebra-2x1in 300 extra', /unexpected 'extra'/],
      ['status', /name the printer/],
      ['remove', /name the printer/],
      ['list all', /unexpected 'all'/],
      ['print', /'print' is not a \/printer command/],
    ] as const) {
      const parsed = parsePrinterCommand(text);
      expect(parsed.ok, text).toBe(false);
      if (!parsed.ok) {
        expect(parsed.problem, text).toMatch(problem);
        expect(parsed.usage).toContain('/printer');
      }
    }
  });
});

describe('print subjects', () => {
  it("name the run, and a pause notice's event", () => {
    expect(printSubject(slackSubjects.printRun(12))).toEqual({ run: 12 });
    expect(printSubject(slackSubjects.printPaused(12, 345))).toEqual({ run: 12, pausedEvent: 345 });
    expect(printSubject(`build:${B}`)).toBeNull();
  });
});

describe('a print run message', () => {
  const run = {
    id: 7,
    template: 'zebra-2x1in',
    source: { kind: 'build', buildId: 1, buildCode: B, includeScrapped: false },
    total: 500,
    done: 120,
    status: 'printing',
    fileKey: null,
    bytes: null,
    pages: null,
    error: null,
    requestedBy: 'slack:U0ABC',
    dpi: 300,
    publicUrl: null,
    printerId: 3,
    printed: 120,
    pausedState: null,
    pausedReason: null,
    pausedAt: null,
    reprintOf: null,
    reason: null,
    trigger: null,
    symbol: 'url',
    createdAt: new Date('2026-12-07T10:00:00Z'),
    finishedAt: null,
  } satisfies LabelRun;
  const printer = { name: 'Zebra line 2' };
  const actions = (m: ReturnType<typeof printRunMessage>) =>
    (m.blocks ?? []).flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => e.action_id) : []));

  it('says how far it got, with Cancel while it prints', () => {
    const m = printRunMessage(run, printer);
    expect(m.text).toContain(`Printing 120 of 500 labels of build ${B} on Zebra line 2`);
    expect(actions(m)).toEqual([ACTIONS.runCancel]);
  });

  it('offers Resume when paused, and two answers for labels in doubt', () => {
    const reason = 'Zebra line 2: out of labels — 120 of 500 printed';
    const paused = printRunMessage(
      { ...run, status: 'paused', pausedState: 'paper-out', pausedReason: reason },
      printer,
    );
    expect(JSON.stringify(paused.blocks)).toContain('It goes on by itself when the printer is ready again');
    expect(actions(paused)).toEqual([ACTIONS.runResume, ACTIONS.runCancel]);
    const doubt = printRunMessage(
      { ...run, status: 'paused', pausedState: 'in-doubt', pausedReason: reason },
      printer,
    );
    expect(actions(doubt)).toEqual([ACTIONS.runPrinted, ACTIONS.runReprint, ACTIONS.runCancel]);
  });

  it('has no buttons once it ended', () => {
    for (const status of ['done', 'cancelled', 'failed'] as const)
      expect(actions(printRunMessage({ ...run, status }, printer))).toEqual([]);
  });
});
