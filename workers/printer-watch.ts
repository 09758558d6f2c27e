/**
 * The printer watch: every PRINTER_WATCH_MS, each worker process asks the printers of runs paused
 * on a printer fault (out of labels, head open, paused, unreachable …) for their status, keeps it on
 * the printer, and resumes the runs of a printer that is ready again — the run goes on by itself
 * once someone refills the printer. Runs paused with labels in doubt, on a disabled printer or on
 * request wait for a person. Several processes may watch at once: a resume takes the run's row lock
 * and only a paused run is resumed, so a run is resumed once.
 */
import { execute, type CommandDeps } from '../src/commands/define.ts';
import { autoResumeLabelRun, recordPrinterStatus } from '../src/commands/printers.ts';
import type { LabelRun, Printer, PrinterDrivers } from '../src/commands/ports.ts';
import type { Actor } from '../src/domain/roles.ts';
import type { Logger } from '../src/logger.ts';

const WATCH: Actor = { name: 'printer-watch', role: 'admin' };
/** Paused runs looked at per pass. */
const PER_PASS = 200;

export interface PrinterWatchOptions {
  deps: CommandDeps;
  drivers: PrinterDrivers;
  intervalMs: number;
  log: Logger;
}

export class PrinterWatch {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: PrinterWatchOptions) {}

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.pass()
        .then(() => undefined)
        .catch((err: unknown) => this.options.log.warn({ err }, 'printer watch pass failed'))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs);
        });
    };
    this.timer = setTimeout(tick, this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: answers the runs it resumed. */
  async pass(): Promise<number[]> {
    const { deps, drivers, log } = this.options;
    const paused = await deps.uow.read((repos) => repos.labels.pausedPrintRuns(PER_PASS));
    const byPrinter = new Map<number, LabelRun[]>();
    for (const run of paused) byPrinter.set(run.printerId!, [...(byPrinter.get(run.printerId!) ?? []), run]);
    const resumed: number[] = [];
    for (const [printerId, runs] of byPrinter) {
      const printer = (await deps.uow.read((repos) => repos.printers.findById(printerId))) as Printer | null;
      if (!printer?.enabled) continue;
      const status = await drivers[printer.driver].status(printer, AbortSignal.timeout(5_000));
      await execute(deps, recordPrinterStatus, WATCH, {
        id: printer.id,
        state: status.state,
        message: status.message,
      });
      // A printer still working through labels it holds is ready enough: the run settles them first.
      if (!status.ready && status.state !== 'printing') continue;
      for (const run of runs) {
        const done = await execute(deps, autoResumeLabelRun, WATCH, { id: run.id });
        if (done) {
          resumed.push(run.id);
          log.info(
            { runId: run.id, printer: printer.name },
            `label run ${run.id} resumed: ${printer.name} is ready`,
          );
        }
      }
    }
    return resumed;
  }
}
