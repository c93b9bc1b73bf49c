/**
 * The progress bar on standard error: only on a terminal, only for inputs whose size is known
 * (files), and only once a run has lasted long enough to need one.
 */
import type { SingleBar } from 'cli-progress';
import { formatCount } from './output.ts';

type CliProgress = typeof import('cli-progress');

/** A run shorter than this shows no bar at all. */
const SHOW_AFTER_MS = 1000;

export class ProgressBar {
  private readonly stream: NodeJS.WritableStream | undefined;
  private readonly total: number;
  private readonly started = Date.now();
  private bar: SingleBar | undefined;
  private library: CliProgress | undefined;
  private done = 0;

  /** `stream` is standard error when it is a terminal and progress is wanted; otherwise nothing is drawn. */
  constructor(stream: NodeJS.WritableStream | undefined, totalBytes: number) {
    this.stream = totalBytes > 0 ? stream : undefined;
    this.total = totalBytes;
    // Loaded in the background, and only when a bar may be drawn.
    if (this.stream) {
      void import('cli-progress').then(
        (module) => (this.library = module.default),
        () => (this.library = undefined),
      );
    }
  }

  update(bytesDone: number, records: number, findings: number): void {
    if (!this.stream) return;
    this.done = bytesDone;
    const payload = { records: formatCount(records), findings: formatCount(findings) };
    if (!this.bar) {
      const cliProgress = this.library;
      if (!cliProgress || Date.now() - this.started < SHOW_AFTER_MS) return;
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.stream,
          format: '{bar} {percentage}% | {records} events | {findings} findings | ETA {eta_formatted}',
          hideCursor: true,
          clearOnComplete: true,
          fps: 10,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(this.total, bytesDone, payload);
      return;
    }
    this.bar.update(Math.min(bytesDone, this.total), payload);
  }

  /** Clears the bar's line so a message can be written; the next update draws it again. */
  clearLine(): void {
    if (this.bar && this.stream) this.stream.write('\r\x1b[K');
  }

  stop(): void {
    if (!this.bar) return;
    this.bar.update(this.done);
    this.bar.stop();
    this.bar = undefined;
  }
}
