/**
 * Keeps `vigil evaluate`'s memory flat. Every input passes through buffers outside V8's heap
 * (read, decompressed) that are garbage as soon as parsed, but V8 frees them only when it collects
 * the small objects holding them, and it lets such memory pile up (tens of MB) before it does, on
 * top of a heap it also lets grow. A full collection after every `PACE` bytes of input costs a few
 * milliseconds (little is alive between inputs) and keeps the peak resident memory flat, and
 * under 200 MB whatever the input size: measured with bench/ on a 300 MB archive (and the 8 MB
 * semi-spaces of `node-flags.js`), 155–170 MB with it, 190–230 MB without.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

export const PACE = 16 * 1024 * 1024;

/** V8's full collection, made callable without starting Node with `--expose-gc`. */
function exposeCollector(): (() => void) | undefined {
  try {
    // The flag takes effect for contexts made after it is set: a fresh one hands out `gc`.
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    return typeof gc === 'function' ? () => void gc() : undefined;
  } catch {
    return undefined;
  }
}

export class CollectionPacer {
  private readonly collect: (() => void) | undefined;
  private readonly pace: number;
  private since = 0;
  collections = 0;

  constructor(pace = PACE) {
    this.pace = pace;
    this.collect = exposeCollector();
  }

  /** Counts bytes of input read; collects once `pace` bytes have gone by since the last time. */
  consumed(bytes: number): void {
    this.since += bytes;
    if (this.since < this.pace || !this.collect) return;
    this.since = 0;
    this.collections += 1;
    this.collect();
  }
}
