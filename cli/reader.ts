/**
 * Reading every input, record by record, with the cheap pre-filter: `peekedRecord` +
 * `handles()` look at each record without validating it, so the bulk of an archive (calls Vigil
 * does not judge) is counted and dropped, and only handled records go on to the pipeline.
 */
import type { Readable } from 'node:stream';
import { peekedRecord, type SkipReason } from '#shared/events/cloudtrail.ts';
import { type Input, InputReadError, preload, readInput } from './inputs.ts';
import type { JsonInputError } from './json-stream.ts';
import { CollectionPacer } from './memory.ts';

export type NoticeKind = 'malformed' | 'syntax' | 'input';

/** What reading tells the command. */
export interface ReadEvents {
  /** A record of a call Vigil handles: to evaluate. */
  handled(record: unknown): void;
  /** A record the pre-filter passes over, and why. */
  skipped(reason: SkipReason): void;
  /** A message about an input. `always`: printed even past the cap on messages of its kind. */
  notice(kind: NoticeKind, message: string, always: boolean): void;
  /** An input read to its end (or as far as it could be). */
  inputDone(withErrors: boolean): void;
  /** After each piece of input: what was read can be processed (awaited: backpressure). */
  drain(rawBytesDone: number): Promise<void>;
  /** Set once nothing more can be done with what is read (the findings cannot be stored). */
  stopped(): boolean;
}

/** Mirrors `parseChange`'s order for records the pre-filter passes over, so the counts agree. */
export function skipReasonOf(value: unknown, eventSource: string | undefined, eventName: string | undefined): SkipReason {
  const detailType = typeof value === 'object' && value !== null ? (value as { 'detail-type'?: unknown })['detail-type'] : undefined;
  // An EventBridge event of another kind (e.g. Vigil's own remediation requests) is not malformed.
  if (typeof detailType === 'string' && detailType !== 'AWS API Call via CloudTrail') return 'not-handled';
  if (eventSource === undefined || eventName === undefined || typeof value !== 'object' || value === null) return 'malformed';
  const record = value as { detail?: unknown };
  const body = (typeof record.detail === 'object' && record.detail !== null ? record.detail : record) as { errorCode?: unknown; readOnly?: unknown };
  if (body.errorCode) return 'failed-call';
  const readOnly = body.readOnly;
  if (readOnly === true || (typeof readOnly === 'string' && readOnly.toLowerCase() === 'true')) return 'read-only';
  return 'not-handled';
}

function describeSyntaxError(input: Input, error: JsonInputError, compressed: boolean): string {
  const { line, column, byte } = error.position;
  return `${input.name}: line ${line}, column ${column} (byte ${byte}${compressed ? ' of the decompressed content' : ''}): ${error.message}`;
}

export async function readInputs(inputs: readonly Input[], stdin: Readable, handles: (eventSource: string, eventName: string) => boolean, events: ReadEvents): Promise<void> {
  const pacer = new CollectionPacer();
  let rawBytesBefore = 0;
  // The next small file is read and decompressed on the thread pool while this one is processed.
  let next = preload(inputs[0]);
  for (const [index, input] of inputs.entries()) {
    const preloaded = await next;
    next = preload(inputs[index + 1]);
    if (events.stopped()) break;
    let recordIndex = 0;
    let syntaxErrors = 0;
    let compressed = false;
    let rawBytes = 0;
    try {
      await readInput(
        input,
        stdin,
        {
          record: (value, line) => {
            recordIndex += 1;
            // `peekEventName`'s look, without the object it returns: this runs on every record.
            const peeked = peekedRecord(value);
            const eventSource = typeof peeked?.eventSource === 'string' ? peeked.eventSource : undefined;
            const eventName = typeof peeked?.eventName === 'string' ? peeked.eventName : undefined;
            if (eventSource !== undefined && eventName !== undefined && handles(eventSource, eventName)) {
              events.handled(value);
              return;
            }
            const reason = skipReasonOf(value, eventSource, eventName);
            events.skipped(reason);
            if (reason === 'malformed') {
              events.notice('malformed', `${input.name}: record ${recordIndex}${line ? ` (line ${line})` : ''} is neither a CloudTrail record nor an EventBridge CloudTrail event; skipped`, false);
            }
          },
          syntaxError: (error) => {
            syntaxErrors += 1;
            events.notice('syntax', describeSyntaxError(input, error, compressed), syntaxErrors === 1);
          },
          drain: () => events.drain(rawBytesBefore + rawBytes),
          progress: (bytesRead) => {
            rawBytes = bytesRead;
          },
          gzip: () => {
            compressed = true;
          },
          consumed: (bytes) => pacer.consumed(bytes),
        },
        preloaded,
      );
    } catch (error) {
      if (!(error instanceof InputReadError)) throw error;
      syntaxErrors += 1;
      events.notice('input', `${input.name}: ${error.message}`, true);
    }
    rawBytesBefore += input.kind === 'file' ? input.size : rawBytes;
    events.inputDone(syntaxErrors > 0);
  }
  await events.drain(rawBytesBefore);
}
