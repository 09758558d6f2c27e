/**
 * `npm run bench`: runs every benchmark, one after the other (they measure throughput, so they must
 * not share the machine), and prints one table: figure, floor, ratio, goal, pass/fail. Each bench
 * prints its own details and a final JSON line; this runner reads those lines.
 * `npm run bench -- <name> …` runs the benches named; `--option=value` arguments go to each of them.
 * A bench marked `onlyWhenNamed` (scale: it seeds millions of rows) runs only when named.
 */
import { spawn } from 'node:child_process';

interface Row {
  figure: string;
  value: string;
  floor: string;
  ratio: string;
  goal: string;
  pass: boolean;
}

type Summary = Record<string, unknown> & { bench: string };

const BENCHES: { file: string; args?: string[]; onlyWhenNamed?: boolean; rows(s: Summary): Row[] }[] = [
  {
    file: 'bench/ids.ts',
    rows: (s) => [
      {
        figure: 'ID codes generated',
        value: `${n(s.codesPerSecond)} /s`,
        floor: '—',
        ratio: '—',
        goal: '> 100,000 /s',
        pass: Boolean(s.pass),
      },
    ],
  },
  {
    file: 'bench/builds.ts',
    rows: (s) => {
      const big = s.hundredThousand as { workerPeakRssMb: number; unitsPerSecond: number };
      const trace = s.trace as { devices: number; p95Ms: number };
      const goal = s.goal as { unitsPerSecond: number; ratio: number; peakRssMb: number; traceP95Ms: number };
      return [
        {
          figure: '10,000-unit tracked build, request → last unit',
          value: `${n(s.unitsPerSecond)} units/s`,
          floor: `${n(s.floorUnitsPerSecond)} units/s (raw bulk INSERT)`,
          ratio: String(s.ratio),
          goal: `≥ ${n(goal.unitsPerSecond)} units/s, ratio ≥ ${goal.ratio}`,
          pass: (s.unitsPerSecond as number) >= goal.unitsPerSecond && (s.ratio as number) >= goal.ratio,
        },
        {
          figure: '100,000-unit build, worker peak RSS',
          value: `${big.workerPeakRssMb} MB (${n(big.unitsPerSecond)} units/s)`,
          floor: '—',
          ratio: '—',
          goal: `< ${goal.peakRssMb} MB`,
          pass: big.workerPeakRssMb < goal.peakRssMb,
        },
        {
          figure: `forward trace, ${n(trace.devices)} devices in 3 levels, p95`,
          value: `${trace.p95Ms} ms`,
          floor: '—',
          ratio: '—',
          goal: `< ${goal.traceP95Ms} ms`,
          pass: trace.p95Ms < goal.traceP95Ms,
        },
      ];
    },
  },
  {
    file: 'bench/labels.ts',
    rows: (s) => {
      const floor = s.floor as { labelsPerSecond: number };
      return [
        {
          figure: '10,000 QR labels, brother-62x29, one PDF',
          value: `${n(s.labelsPerSecond)} labels/s, ${s.peakRssMb} MB`,
          floor: `${n(floor.labelsPerSecond)} labels/s (bwip-js encode + pdf-lib text pages)`,
          ratio: String(s.ratio),
          goal: 'ratio ≥ 0.5, RSS < 400 MB',
          pass: Boolean(s.pass),
        },
      ];
    },
  },
  {
    file: 'bench/printing.ts',
    rows: (s) => {
      const goal = s.goal as { firstLabelP50Ms: number; labelsPerSecond: number };
      return [
        {
          figure: 'printing (zpl fake): POST /labels → first label printed, p50/p95',
          value: `${s.firstLabelP50Ms} / ${s.firstLabelP95Ms} ms`,
          floor: '—',
          ratio: '—',
          goal: `p50 < ${goal.firstLabelP50Ms} ms`,
          pass: (s.firstLabelP50Ms as number) < goal.firstLabelP50Ms,
        },
        {
          figure: `printing (zpl fake at full speed): ${n(s.labels)} labels, each confirmed`,
          value: `${n(s.labelsPerSecond)} labels/s`,
          floor: `${n(s.floorPerSecond)} labels/s (ZPL written in-process)`,
          ratio: String(s.ratio),
          goal: `≥ ${n(goal.labelsPerSecond)} labels/s`,
          pass: (s.labelsPerSecond as number) >= goal.labelsPerSecond,
        },
      ];
    },
  },
  {
    file: 'bench/webhooks.ts',
    rows: (s) => [
      {
        figure: 'webhook delivery engine: 10,000 signed sends',
        value: `${n(s.deliveriesPerSecond)} /s`,
        floor: `${n(s.floorPerSecond)} /s (plain POSTs)`,
        ratio: String(s.ratio),
        goal: `≥ ${n(s.goalPerSecond)} /s`,
        // Fast is not enough: every delivery must have arrived and every sampled one verified.
        pass: Boolean(s.goalMet) && s.failures === 0 && s.verifyFailures === 0,
      },
    ],
  },
  {
    file: 'bench/webhooks-pipeline.ts',
    rows: (s) => [
      {
        figure: 'webhooks end to end: 10,000 events → outbox → fan-out → signed delivery jobs',
        value: `${n(s.deliveriesPerSecond)} /s`,
        floor: `${n(s.floorPerSecond)} /s (plain POSTs)`,
        ratio: String(s.ratio),
        goal: `≥ ${n(s.goalPerSecond)} /s`,
        pass: Boolean(s.pass),
      },
    ],
  },
  {
    file: 'bench/slack-ack.ts',
    rows: (s) => [
      {
        figure: 'Slack slash-command ack, 200 req/s for 30 s, p50/p99',
        value: `${s.p50Ms} / ${s.p99Ms} ms`,
        floor: `${(s.floor as { p99Ms: number }).p99Ms} ms p99 (GET /healthz, same rate)`,
        ratio: String(s.ratioP99),
        goal: 'p99 < 50 ms',
        pass: Boolean(s.pass),
      },
      (() => {
        const a = s.answer as {
          p50Ms: number;
          p99Ms: number;
          answered: number;
          expected: number;
          answersPerSecond: number;
          pass: boolean;
        };
        return {
          figure: 'Slack work after the ack (worker): ack → answer at response_url, p50/p99',
          value: `${a.p50Ms} / ${a.p99Ms} ms, ${n(a.answered)}/${n(a.expected)} answered, ${a.answersPerSecond}/s`,
          floor: '—',
          ratio: '—',
          goal: 'every request answered within 25 min',
          pass: Boolean(a.pass),
        };
      })(),
    ],
  },
  {
    file: 'bench/pages.ts',
    rows: (s) => {
      const floor = s.floor as { p50Ms: number; p95Ms: number };
      const goal = s.goal as { deviceP95Ms: number; scanP95Ms: number; weightBytes: number };
      type Latency = { p50Ms: number; p95Ms: number; p99Ms: number; ratioP95: number; pass: boolean };
      const device = s.device as Latency;
      const scan = s.scan as Latency & { recorded: number; expected: number };
      const weight = s.weight as { htmlBytes: number; cssBytes: number; bytes: number; pass: boolean };
      const floorText = `${floor.p50Ms} / ${floor.p95Ms} ms p50/p95 (GET /healthz, same rate)`;
      return [
        {
          figure: `device page (3-line BOM), signed in, ${s.rate} req/s for ${s.seconds} s, p50/p95/p99`,
          value: `${device.p50Ms} / ${device.p95Ms} / ${device.p99Ms} ms`,
          floor: floorText,
          ratio: String(device.ratioP95),
          goal: `p95 < ${goal.deviceP95Ms} ms`,
          pass: device.pass,
        },
        {
          figure: `station scan: POST /station/test/scan → 303 → GET, ${s.rate}/s for ${s.seconds} s, p50/p95/p99`,
          value: `${scan.p50Ms} / ${scan.p95Ms} / ${scan.p99Ms} ms (${n(scan.recorded)}/${n(scan.expected)} recorded)`,
          floor: floorText,
          ratio: String(scan.ratioP95),
          goal: `p95 < ${goal.scanP95Ms} ms`,
          pass: scan.pass,
        },
        {
          figure: 'device page weight: HTML + /assets/pages.css (uncompressed)',
          value: `${(weight.bytes / 1024).toFixed(1)} KB (${n(weight.htmlBytes)} + ${n(weight.cssBytes)} B)`,
          floor: '—',
          ratio: '—',
          goal: `≤ ${goal.weightBytes / 1024} KB`,
          pass: weight.pass,
        },
      ];
    },
  },
  {
    // Seeds two databases (10,000 devices and --devices, 2,000,000 by default): only when named,
    // `npm run bench -- scale [--devices=N] [--seconds=S]`.
    file: 'bench/scale.ts',
    onlyWhenNamed: true,
    rows: (s) => {
      type Stats = { p95Ms: number; p99Ms: number; bad: number };
      type Size = {
        devices: number;
        floor500: Stats;
        floor50: Stats;
        codeLookup: Stats;
        serialLookup: Stats;
        devicePage: Stats;
        backwardTrace: Stats;
        forwardFirstPage: { p95Ms: number; total: number };
        forwardAll: { seconds: number; pages: number; devices: number };
        recall: { seconds: number; devices: number; workerPeakRssMb: number };
        bytesPerDevice: number;
        invariantViolations: Record<string, number>;
      };
      const small = s.small as Size;
      const big = s.big as Size;
      const goal = s.goal as {
        lookupP99VsFloor: number;
        deviceP95Ms: number;
        backwardP95Ms: number;
        forwardFirstPageMs: number;
        recallSeconds: number;
        recallRssMb: number;
        bigVsSmall: number;
      };
      const at = `at ${n(big.devices)} devices`;
      const latency = (
        figure: string,
        key: 'codeLookup' | 'serialLookup' | 'devicePage' | 'backwardTrace',
        q: 'p95Ms' | 'p99Ms',
        floor: 'floor500' | 'floor50',
        goalText: string,
        ok: (ms: number, floorMs: number) => boolean,
      ): Row => ({
        figure: `${figure} ${at}`,
        value: `${big[key][q]} ms (${small[key][q]} ms at ${n(small.devices)})`,
        floor: `${big[floor][q]} ms (GET /healthz, same rate)`,
        ratio: `${(big[key][q] / big[floor][q]).toFixed(1)} floor, ${(big[key][q] / small[key][q]).toFixed(2)} 10k`,
        goal: `${goalText}, ≤ ${goal.bigVsSmall}× 10k`,
        pass:
          ok(big[key][q], big[floor][q]) &&
          big[key][q] <= goal.bigVsSmall * small[key][q] &&
          big[key].bad + small[key].bad === 0,
      });
      return [
        latency(
          'ID-code lookup, 500/s, p99',
          'codeLookup',
          'p99Ms',
          'floor500',
          `≤ ${goal.lookupP99VsFloor}× floor`,
          (ms, f) => ms <= goal.lookupP99VsFloor * f,
        ),
        latency(
          'serial lookup, 500/s, p99',
          'serialLookup',
          'p99Ms',
          'floor500',
          `≤ ${goal.lookupP99VsFloor}× floor`,
          (ms, f) => ms <= goal.lookupP99VsFloor * f,
        ),
        latency(
          'device page, signed in, 50/s, p95',
          'devicePage',
          'p95Ms',
          'floor50',
          `< ${goal.deviceP95Ms} ms`,
          (ms) => ms < goal.deviceP95Ms,
        ),
        latency(
          'backward trace, 50/s, p95',
          'backwardTrace',
          'p95Ms',
          'floor50',
          `< ${goal.backwardP95Ms} ms`,
          (ms) => ms < goal.backwardP95Ms,
        ),
        {
          figure: `forward trace from a reel reaching ${n(big.forwardFirstPage.total)}, first page p95 / every page`,
          value: `${big.forwardFirstPage.p95Ms} ms / ${big.forwardAll.seconds} s (${big.forwardAll.pages} pages)`,
          floor: '—',
          ratio: `${(big.forwardFirstPage.p95Ms / small.forwardFirstPage.p95Ms).toFixed(2)} 10k`,
          goal: `first page < ${n(goal.forwardFirstPageMs)} ms, every lot paged`,
          pass:
            big.forwardFirstPage.p95Ms < goal.forwardFirstPageMs &&
            big.forwardAll.devices === big.forwardFirstPage.total,
        },
        {
          figure: `recall of that reel as CSV (worker) ${at}`,
          value: `${big.recall.seconds} s, ${big.recall.workerPeakRssMb} MB (${n(big.recall.devices)} devices)`,
          floor: '—',
          ratio: '—',
          goal: `< ${goal.recallSeconds} s, < ${goal.recallRssMb} MB`,
          pass: big.recall.seconds < goal.recallSeconds && big.recall.workerPeakRssMb < goal.recallRssMb,
        },
        {
          figure: `database bytes per device ${at}`,
          value: `${n(big.bytesPerDevice)} B`,
          floor: '—',
          ratio: '—',
          goal: "the doctor's invariants hold",
          pass:
            Object.keys(big.invariantViolations).length + Object.keys(small.invariantViolations).length === 0,
        },
      ];
    },
  },
];

function n(value: unknown): string {
  return Math.round(Number(value)).toLocaleString('en');
}

async function runBench(file: string, args: string[] = []): Promise<Summary | null> {
  return new Promise((resolve) => {
    let summary: Summary | null = null;
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('{"bench"')) summary = JSON.parse(line) as Summary;
      }
    });
    child.on('exit', () => resolve(summary));
  });
}

// Bench names select benches; `--name=value` options go to every bench run (e.g. scale's --devices).
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const options = process.argv.slice(2).filter((a) => a.startsWith('--'));
const rows: Row[] = [];
for (const bench of BENCHES) {
  // Exact names (`webhooks` runs bench/webhooks.ts only, not webhooks-pipeline).
  const named = only.some((o) => bench.file === `bench/${o}.ts` || bench.file === o);
  if (only.length > 0 ? !named : bench.onlyWhenNamed) continue;
  console.log(`\n=== ${bench.file}`);
  const summary = await runBench(bench.file, [...(bench.args ?? []), ...options]);
  if (!summary)
    rows.push({
      figure: bench.file,
      value: 'did not finish',
      floor: '—',
      ratio: '—',
      goal: '—',
      pass: false,
    });
  else rows.push(...bench.rows(summary));
}

const header: Row = {
  figure: 'figure',
  value: 'measured',
  floor: 'floor (same run)',
  ratio: 'ratio',
  goal: 'goal',
  pass: true,
};
const widths = (Object.keys(header) as (keyof Row)[])
  .filter((k) => k !== 'pass')
  .map((k) => Math.max(...[header, ...rows].map((r) => String(r[k]).length)));
const line = (r: Row, result: string) =>
  `| ${[r.figure, r.value, r.floor, r.ratio, r.goal].map((c, i) => String(c).padEnd(widths[i]!)).join(' | ')} | ${result} |`;
console.log(`\n${line(header, 'result')}`);
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|--------|`);
for (const r of rows) console.log(line(r, r.pass ? 'pass' : 'FAIL'));
if (rows.some((r) => !r.pass)) process.exitCode = 1;
