/**
 * Where events come from: files, directories (recursively) and standard input, each gzip or not
 * (told by its first bytes, not its name), read as a stream and handed out record by record.
 *
 * A small input (the usual CloudTrail log file, a few MB at most) is read whole and given to
 * `JSON.parse` at once, which is the fastest way there is; an input larger than `WHOLE_LIMIT`
 * characters goes through the streaming scanner instead, so memory stays bounded whatever the
 * size. An input that is not valid JSON also goes through the scanner, which says where it
 * breaks and reads what it can of the rest.
 */
import { isAscii } from 'node:buffer';
import { createReadStream, readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { promisify } from 'node:util';
import { createGunzip, gunzip } from 'node:zlib';
import { type JsonInputError, JsonRecordScanner } from './json-stream.ts';

/** Inputs up to this many bytes (characters, for standard input) are parsed whole: a few times this in memory at most. */
export const WHOLE_LIMIT = 8 * 1024 * 1024;

const gunzipAsync = promisify(gunzip);
const READ_CHUNK = 1024 * 1024;

export type Input =
  | { kind: 'file'; path: string; name: string; size: number }
  | { kind: 'stdin'; name: string };

export interface InputProblem {
  name: string;
  message: string;
}

/** File names read when walking a directory; files named explicitly are read whatever their name. */
const EVENT_FILE = /\.(json|jsonl|ndjson)(\.gz)?$/i;
/** Not event files: CloudTrail's digest files sit next to its logs in the same bucket. */
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'CloudTrail-Digest']);

export const STDIN_NAME = '(standard input)';

function errorText(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

async function walk(directory: string, name: string, inputs: Input[], problems: InputProblem[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    problems.push({ name, message: `cannot read directory: ${errorText(error)}` });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(directory, entry.name);
    const childName = join(name, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) await walk(path, childName, inputs, problems);
    } else if ((entry.isFile() || entry.isSymbolicLink()) && EVENT_FILE.test(entry.name)) {
      try {
        const info = await stat(path);
        if (info.isFile()) inputs.push({ kind: 'file', path, name: childName, size: info.size });
      } catch (error) {
        problems.push({ name: childName, message: `cannot read: ${errorText(error)}` });
      }
    }
  }
}

/** Expands paths (`-` is standard input) into the inputs to read, in order. */
export async function collectInputs(paths: readonly string[], cwd: string): Promise<{ inputs: Input[]; problems: InputProblem[] }> {
  const inputs: Input[] = [];
  const problems: InputProblem[] = [];
  for (const given of paths) {
    if (given === '-') {
      inputs.push({ kind: 'stdin', name: STDIN_NAME });
      continue;
    }
    const path = resolve(cwd, given);
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      problems.push({ name: given, message: errorText(error) });
      continue;
    }
    if (info.isDirectory()) {
      const before = inputs.length;
      await walk(path, given, inputs, problems);
      if (inputs.length === before) problems.push({ name: given, message: 'no event files (*.json, *.jsonl, *.ndjson, optionally .gz) in this directory' });
    } else {
      inputs.push({ kind: 'file', path, name: given, size: info.size });
    }
  }
  return { inputs, problems };
}

export interface ReadHandlers {
  /** One parsed record. `line` is where it starts, when known (inputs parsed whole do not say). */
  record(value: unknown, line: number | undefined): void;
  /** A syntax error in the input; reading goes on after it where it can. */
  syntaxError(error: JsonInputError): void;
  /** Called after each piece of input: the records so far can be processed (awaited: backpressure). */
  drain(): Promise<void>;
  /** Raw (compressed) bytes read so far from this input, for a progress bar. */
  progress?(bytesRead: number): void;
  /** The input turned out to be gzip: positions in messages are in its decompressed content. */
  gzip?(): void;
  /** Bytes of (decompressed) content read: each was in a buffer that is now garbage. */
  consumed?(bytes: number): void;
}

/** An input that could not be read at all, or not to its end (I/O or gzip errors). */
export class InputReadError extends Error {
  override name = 'InputReadError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The input's bytes, decompressed when they start with the gzip magic number. */
async function* bytesOf(raw: Readable, handlers: ReadHandlers): AsyncGenerator<Buffer> {
  const iterator = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let bytesRead = 0;
  const next = async (): Promise<Buffer | undefined> => {
    const step = await iterator.next();
    if (step.done) return undefined;
    const chunk = typeof step.value === 'string' ? Buffer.from(step.value) : step.value;
    bytesRead += chunk.length;
    handlers.progress?.(bytesRead);
    return chunk;
  };
  const head = await next();
  if (!head) return;
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield head;
    for (let chunk = await next(); chunk; chunk = await next()) yield chunk;
    return;
  }
  handlers.gzip?.();
  const compressed = Readable.from(
    (async function* () {
      yield head;
      for (let chunk = await next(); chunk; chunk = await next()) yield chunk;
    })(),
  );
  // `pipeline` destroys both streams on an error in either, so the loop below throws it.
  const gunzip = pipeline(compressed, createGunzip({ chunkSize: 256 * 1024 }), () => {});
  for await (const chunk of gunzip) yield chunk as Buffer;
}

function deliverWhole(value: unknown, handlers: ReadHandlers): void {
  const records = isObject(value) && Array.isArray(value.Records) ? value.Records : Array.isArray(value) ? value : [value];
  for (const record of records) handlers.record(record, undefined);
}

export interface Preloaded {
  /** The input's whole content, decompressed. */
  bytes: Buffer;
  gzip: boolean;
}

/**
 * Loads a small file whole (read and gunzip both run on the thread pool), to be started while
 * the previous input is being processed. Undefined when the file is not small, or its content
 * turns out larger than `WHOLE_LIMIT` once decompressed, or it cannot be read or decompressed:
 * `readInput` then streams it, and says precisely what is wrong with it.
 */
export async function preload(input: Input | undefined): Promise<Preloaded | undefined> {
  if (!input || input.kind !== 'file' || input.size > WHOLE_LIMIT) return undefined;
  try {
    // Read at once (small, and then not waiting on this thread while it parses); the inflate,
    // the slow part, runs on the thread pool.
    const bytes = readFileSync(input.path);
    if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes.length <= WHOLE_LIMIT ? { bytes, gzip: false } : undefined;
    // One output chunk the size the gzip trailer announces (ISIZE; of the last member only, when
    // several are concatenated): the inflate is then one job on the thread pool, which runs while
    // this thread parses the previous input, instead of a round trip through it every 16 KB.
    const announced = bytes.length >= 18 ? bytes.readUInt32LE(bytes.length - 4) : 0;
    const chunkSize = Math.min(WHOLE_LIMIT, Math.max(64 * 1024, announced + 1));
    return { bytes: await gunzipAsync(bytes, { maxOutputLength: WHOLE_LIMIT, chunkSize }), gzip: true };
  } catch {
    return undefined;
  }
}

/**
 * The bytes as text. ASCII, which is what CloudTrail writes (it escapes the rest), decodes to the
 * same characters as Latin-1, which Node hands over as an external string: `JSON.parse` reads
 * that about 10% faster than the heap string the UTF-8 decoder makes (measured on the bench
 * archive's files, Node 24).
 */
function textOf(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** Parses a whole input at once; what is not one JSON document goes through the scanner. */
function parseWhole(text: string, scanner: JsonRecordScanner, handlers: ReadHandlers): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not one JSON document: JSON lines, concatenated documents, or broken. The scanner tells which.
    value = undefined;
  }
  if (typeof value === 'object' && value !== null) deliverWhole(value, handlers);
  else scanner.write(text);
}

/**
 * Reads one input to its end (from `preloaded` when given). Throws `InputReadError` when its
 * bytes cannot be read.
 */
export async function readInput(input: Input, stdin: Readable, handlers: ReadHandlers, preloaded?: Preloaded): Promise<void> {
  const scanner = new JsonRecordScanner({ value: (value, line) => handlers.record(value, line), error: (error) => handlers.syntaxError(error) });
  if (preloaded) {
    if (preloaded.gzip) handlers.gzip?.();
    handlers.progress?.(input.kind === 'file' ? input.size : preloaded.bytes.length);
    handlers.consumed?.(preloaded.bytes.length);
    parseWhole(textOf(preloaded.bytes), scanner, handlers);
    scanner.end();
    await handlers.drain();
    return;
  }
  const raw = input.kind === 'file' ? createReadStream(input.path, { highWaterMark: READ_CHUNK }) : stdin;
  const decoder = new StringDecoder('utf8');
  // Text held back while the input may still be small enough to parse whole.
  let held: string[] | undefined = [];
  let heldLength = 0;
  let decodedBytes = 0;
  const feed = async (text: string): Promise<void> => {
    if (text.length === 0) return;
    if (held) {
      held.push(text);
      heldLength += text.length;
      if (heldLength <= WHOLE_LIMIT) return;
      // Too large to hold: from here on, stream it.
      const pending = held;
      held = undefined;
      for (const piece of pending) scanner.write(piece);
    } else {
      scanner.write(text);
    }
    await handlers.drain();
  };
  try {
    for await (const chunk of bytesOf(raw, handlers)) {
      decodedBytes += chunk.length;
      handlers.consumed?.(chunk.length);
      await feed(decoder.write(chunk));
    }
    await feed(decoder.end());
  } catch (error) {
    if (held) for (const piece of held) scanner.write(piece);
    scanner.end();
    const where = decodedBytes > 0 ? ` after ${decodedBytes} bytes` : '';
    const code = (error as { code?: unknown }).code;
    const gzip = code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(errorText(error));
    throw new InputReadError(`${gzip ? 'not a valid gzip stream' : 'cannot read'}${where}: ${errorText(error)}`);
  } finally {
    if (input.kind === 'file') raw.destroy();
  }
  if (held) parseWhole(held.join(''), scanner, handlers);
  scanner.end();
  await handlers.drain();
}
