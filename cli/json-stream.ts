/**
 * Streaming reader for every JSON layout CloudTrail input comes in: one event or record per file
 * (pretty-printed or not), JSON lines, documents simply concatenated, a top-level array, and
 * CloudTrail's own log files `{"Records":[...]}` (also concatenated). The records of a log file
 * are handed out one at a time, so a file of any size is never held whole: memory is bounded by
 * the largest single record (capped at `MAX_RECORD_LENGTH`), not by the file.
 *
 * It finds where each record ends with a small state machine (depth, in string, escape) and
 * leaves validation to `JSON.parse` on each record's text. Strings are skipped with
 * `String.prototype.indexOf`, which is several times faster than looking at every character.
 *
 * A syntax error is reported with its line, column and byte, and reading resumes at the next line
 * that starts with `{` (the next line of a JSON lines file, the next of several concatenated
 * pretty-printed documents). A log file written on one line has no such line: its rest is skipped.
 */
import { lineAndColumn, locateJsonError } from './json-error.ts';

/** Records longer than this (in characters) are rejected rather than buffered (CloudTrail's are far smaller). */
export const MAX_RECORD_LENGTH = 64 * 1024 * 1024;

export interface JsonPosition {
  /** From 1. */
  line: number;
  /** From 1, in characters. */
  column: number;
  /** From 0: offset in the (decompressed) input, in bytes. */
  byte: number;
}

export class JsonInputError extends Error {
  override name = 'JsonInputError';
  readonly position: JsonPosition;
  constructor(message: string, position: JsonPosition) {
    super(message);
    this.position = position;
  }
}

export interface ScanHandlers {
  /** One record (or other top-level value), parsed. `line` is where it starts. */
  value(value: unknown, line: number): void;
  /** A syntax error; the scanner skips ahead and goes on. */
  error(error: JsonInputError): void;
}

// Character codes the scanner looks at.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const NEWLINE = 0x0a;
const BYTE_ORDER_MARK = 0xfeff;

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === NEWLINE || code === 0x0d || code === 0x09;
}

function showChar(code: number): string {
  if (Number.isNaN(code)) return 'end of input';
  if (code === NEWLINE) return 'a line break';
  if (code >= 0x20 && code !== 0x7f) return `"${String.fromCharCode(code)}"`;
  return `character U+${code.toString(16).padStart(4, '0')}`;
}

// Where the scanner is. Plain numbers: no enums under `erasableSyntaxOnly`.
/** Between top-level values. */
const TOP = 0;
/** Just inside a top-level `{`: is it `{"Records":[`? */
const PROBE = 1;
/** Inside an array whose elements are records (a top-level array, or `Records`). */
const ARRAY = 2;
/** Inside a record (or skipping a value when `discard`). */
const ELEMENT = 3;
/** Inside a scalar array element that is not a string: it runs up to the next delimiter. */
const SCALAR = 4;
/** After the `Records` array: the rest of its object. */
const CONTAINER_TAIL = 5;
/** After a syntax error: skipping to a line that starts with `{`. */
const RESYNC = 6;

/** In an array: 0 = an element or `]` may come, 1 = `,` or `]`, 2 = an element. */
type ArrayExpect = 0 | 1 | 2;

const RECORDS_KEY = 'Records';
const SKIP_AHEAD = 'skipping to the next line that starts with "{"';

export class JsonRecordScanner {
  private readonly handlers: ScanHandlers;
  private mode = TOP;

  /** The current chunk, its absolute character offset and the bytes before it. */
  private chunk = '';
  private offset = 0;
  private bytesBefore = 0;
  /** Line counting, done lazily up to `lineCursor` (absolute character offset). */
  private lineCursor = 0;
  private lines = 0;
  private lineStart = 0;
  /** Absolute offset of the next line break at or after `lineCursor` in this chunk (searched once per stretch). */
  private nextNewline = -1;
  /** Index in this chunk of the next line break after the last string scanned (a log file may have none at all). */
  private stringNewline = -1;

  // The record being read.
  private pieces: string[] = [];
  private pieceLength = 0;
  private elementStart = 0;
  /** Where the record starts: line, column, and enough to work out its byte offset on error. */
  private elementLine = 1;
  private elementColumn = 1;
  private elementChunk = '';
  private elementChunkIndex = 0;
  private elementChunkBytes = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private discard = false;
  /** ELEMENT: the chunk ended with a line break outside any string (the next may start with `{`). */
  private newlineAtEnd = false;
  /** Where an element returns to when it ends. */
  private parent = TOP;

  // The array of records.
  private arrayExpect: ArrayExpect = 0;
  private arrayIsContainer = false;
  private arrayLine = 1;

  // Probing `{"Records":[`: 0 before the key's quote, 1 in the key, 2 before `:`, 3 before `[`.
  private probeState = 0;
  private probeKeyIndex = 0;

  /** RESYNC: whether the last character seen was a line break. */
  private atLineStart = false;
  private first = true;

  constructor(handlers: ScanHandlers) {
    this.handlers = handlers;
  }

  /** Feeds the next piece of input (decoded text; a multi-byte character must not be split). */
  write(chunk: string): void {
    this.chunk = chunk;
    this.nextNewline = -1;
    this.stringNewline = -1;
    let i = 0;
    if (this.first && chunk.length > 0) {
      this.first = false;
      // A byte order mark is not JSON, but some editors write one.
      if (chunk.charCodeAt(0) === BYTE_ORDER_MARK) i = 1;
    }
    const n = chunk.length;
    while (i < n) {
      switch (this.mode) {
        case TOP:
          i = this.scanTop(i);
          break;
        case PROBE:
          i = this.scanProbe(i);
          break;
        case ARRAY:
          i = this.scanArray(i);
          break;
        case ELEMENT:
          i = this.scanElement(i);
          break;
        case SCALAR:
          i = this.scanScalar(i);
          break;
        case CONTAINER_TAIL:
          i = this.scanContainerTail(i);
          break;
        default:
          i = this.scanResync(i);
      }
    }
    if ((this.mode === ELEMENT || this.mode === SCALAR || this.mode === PROBE) && !this.discard) {
      const piece = this.elementStart === 0 ? chunk : chunk.slice(this.elementStart);
      this.pieces.push(piece);
      this.pieceLength += piece.length;
      this.elementStart = 0;
      if (this.pieceLength > MAX_RECORD_LENGTH) {
        this.fail(`a record longer than ${MAX_RECORD_LENGTH / 1024 / 1024} Mi characters (it starts at line ${this.elementLine}); it is not read`, this.elementPositionAt(0), n);
      }
    }
    this.countLines(n);
    this.offset += n;
    this.bytesBefore += Buffer.byteLength(chunk);
  }

  /** Signals the end of the input: anything left open is an error. */
  end(): void {
    this.chunk = '';
    const at = this.position(0);
    switch (this.mode) {
      case ELEMENT:
      case PROBE:
      case SCALAR:
        this.report(
          this.discard
            ? `unexpected end of input: the object that holds "Records" is not closed`
            : `unexpected end of input inside the record that starts at line ${this.elementLine}, column ${this.elementColumn}`,
          at,
        );
        break;
      case ARRAY:
        this.report(`unexpected end of input: the array that starts at line ${this.arrayLine} is not closed`, at);
        break;
      case CONTAINER_TAIL:
        this.report(`unexpected end of input: the object that holds "Records" is not closed`, at);
        break;
      default:
        break;
    }
    this.mode = TOP;
    this.pieces = [];
    this.pieceLength = 0;
  }

  // ---------------------------------------------------------------------------------------------

  /** Counts line breaks from `lineCursor` up to index `upTo` of the current chunk. */
  private countLines(upTo: number): void {
    const limit = this.offset + upTo;
    while (this.lineCursor < limit) {
      if (this.nextNewline < this.lineCursor) {
        const found = this.chunk.indexOf('\n', this.lineCursor - this.offset);
        this.nextNewline = found === -1 ? Number.MAX_SAFE_INTEGER : this.offset + found;
      }
      if (this.nextNewline >= limit) break;
      this.lines += 1;
      this.lineStart = this.nextNewline + 1;
      this.lineCursor = this.nextNewline + 1;
    }
    if (this.lineCursor < limit) this.lineCursor = limit;
  }

  /** Position of index `i` of the current chunk. Asked for in increasing order only. */
  private position(i: number): JsonPosition {
    this.countLines(i);
    const absolute = this.offset + i;
    return { line: this.lines + 1, column: absolute - this.lineStart + 1, byte: this.bytesBefore + Buffer.byteLength(this.chunk.slice(0, i)) };
  }

  /** Position of character `offset` of the current record's text. */
  private elementPositionAt(offset: number, text = ''): JsonPosition {
    const within = lineAndColumn(text, offset);
    const startByte = this.elementChunkBytes + Buffer.byteLength(this.elementChunk.slice(0, this.elementChunkIndex));
    return {
      line: this.elementLine + within.line - 1,
      column: within.line === 1 ? this.elementColumn + offset : within.column,
      byte: startByte + Buffer.byteLength(text.slice(0, offset)),
    };
  }

  private report(message: string, position: JsonPosition): void {
    this.handlers.error(new JsonInputError(message, position));
  }

  /** Reports an error and skips to the next line starting with `{`. Returns where to go on. */
  private fail(message: string, position: JsonPosition, i: number, next = SKIP_AHEAD): number {
    this.report(`${message}; ${next}`, position);
    this.pieces = [];
    this.pieceLength = 0;
    this.discard = false;
    this.mode = RESYNC;
    this.atLineStart = false;
    return i;
  }

  private startElement(i: number, parent: number): void {
    this.countLines(i);
    this.elementStart = i;
    this.elementLine = this.lines + 1;
    this.elementColumn = this.offset + i - this.lineStart + 1;
    this.elementChunk = this.chunk;
    this.elementChunkIndex = i;
    this.elementChunkBytes = this.bytesBefore;
    this.pieces = [];
    this.pieceLength = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.discard = false;
    this.newlineAtEnd = false;
    this.parent = parent;
  }

  private scanTop(i: number): number {
    const chunk = this.chunk;
    const n = chunk.length;
    while (i < n && isWhitespace(chunk.charCodeAt(i))) i += 1;
    if (i >= n) return i;
    const code = chunk.charCodeAt(i);
    if (code === OPEN_BRACE) {
      this.startElement(i, TOP);
      this.depth = 1;
      this.probeState = 0;
      this.probeKeyIndex = 0;
      this.mode = PROBE;
      return i + 1;
    }
    if (code === OPEN_BRACKET) {
      this.countLines(i);
      this.openArray(this.lines + 1, false);
      return i + 1;
    }
    return this.fail(`expected a JSON object or array, found ${showChar(code)}`, this.position(i), i);
  }

  private openArray(line: number, isContainer: boolean): void {
    this.arrayLine = line;
    this.arrayIsContainer = isContainer;
    this.arrayExpect = 0;
    this.pieces = [];
    this.pieceLength = 0;
    this.mode = ARRAY;
  }

  /** Reads as far as needed to tell `{"Records":[` from any other object. */
  private scanProbe(i: number): number {
    const chunk = this.chunk;
    const n = chunk.length;
    while (i < n) {
      const code = chunk.charCodeAt(i);
      if (this.probeState === 1) {
        if (this.probeKeyIndex === RECORDS_KEY.length && code === QUOTE) {
          this.probeState = 2;
          i += 1;
          continue;
        }
        if (code !== RECORDS_KEY.charCodeAt(this.probeKeyIndex)) {
          // An ordinary object: read it whole, from inside its first key.
          this.inString = true;
          break;
        }
        this.probeKeyIndex += 1;
        i += 1;
        continue;
      }
      if (isWhitespace(code)) {
        i += 1;
        continue;
      }
      if (this.probeState === 0 && code === QUOTE) {
        this.probeState = 1;
        i += 1;
        continue;
      }
      if (this.probeState === 2 && code === COLON) {
        this.probeState = 3;
        i += 1;
        continue;
      }
      if (this.probeState === 3 && code === OPEN_BRACKET) {
        this.openArray(this.elementLine, true);
        return i + 1;
      }
      break;
    }
    if (i < n) this.mode = ELEMENT;
    return i;
  }

  private scanArray(i: number): number {
    const chunk = this.chunk;
    const n = chunk.length;
    while (i < n) {
      const code = chunk.charCodeAt(i);
      if (isWhitespace(code)) {
        i += 1;
        continue;
      }
      if (code === CLOSE_BRACKET && this.arrayExpect !== 2) {
        this.mode = this.arrayIsContainer ? CONTAINER_TAIL : TOP;
        return i + 1;
      }
      if (this.arrayExpect === 1) {
        if (code !== COMMA) return this.fail(`expected "," or "]" after a record, found ${showChar(code)}`, this.position(i), i);
        this.arrayExpect = 2;
        i += 1;
        continue;
      }
      if (code === COMMA || code === CLOSE_BRACKET || code === CLOSE_BRACE || code === COLON) {
        return this.fail(`expected a record, found ${showChar(code)}`, this.position(i), i);
      }
      this.startElement(i, ARRAY);
      if (code === OPEN_BRACE || code === OPEN_BRACKET) {
        this.depth = 1;
        this.mode = ELEMENT;
        return i + 1;
      }
      if (code === QUOTE) {
        this.inString = true;
        this.mode = ELEMENT;
        return i + 1;
      }
      this.mode = SCALAR;
      return i;
    }
    return i;
  }

  /** The hot loop: finds where the current record ends. */
  private scanElement(start: number): number {
    const chunk = this.chunk;
    const n = chunk.length;
    let i = start;
    let depth = this.depth;
    let inString = this.inString;
    if (this.escaped) {
      this.escaped = false;
      // The escaped character opens this chunk. A line break is not allowed even escaped.
      if (chunk.charCodeAt(i) === NEWLINE) return this.brokenRecord(i, 'a string is not closed before the end of its line');
      i += 1;
    }
    if (this.newlineAtEnd) {
      this.newlineAtEnd = false;
      if (!inString && chunk.charCodeAt(i) === OPEN_BRACE && this.parent === TOP) return this.unclosedRecord(i);
    }
    let newline = this.stringNewline;
    while (i < n) {
      if (inString) {
        const quote = chunk.indexOf('"', i);
        const end = quote === -1 ? n : quote;
        if (newline < i) {
          newline = chunk.indexOf('\n', i);
          if (newline === -1) newline = n;
          this.stringNewline = newline;
        }
        // JSON strings hold no line break: one inside means the record was cut short.
        if (newline < end) return this.brokenRecord(newline, 'a string is not closed before the end of its line');
        if (quote === -1) {
          let backslashes = 0;
          for (let k = n - 1; k >= i && chunk.charCodeAt(k) === BACKSLASH; k -= 1) backslashes += 1;
          this.escaped = (backslashes & 1) === 1;
          i = n;
          break;
        }
        let backslashes = 0;
        for (let k = quote - 1; k >= i && chunk.charCodeAt(k) === BACKSLASH; k -= 1) backslashes += 1;
        i = quote + 1;
        if ((backslashes & 1) === 1) continue;
        inString = false;
        if (depth > 0) continue;
        // A string element of an array ends with its closing quote.
        this.depth = 0;
        this.inString = false;
        return this.endElement(i);
      }
      const code = chunk.charCodeAt(i++);
      if (code === QUOTE) {
        inString = true;
      } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
        depth += 1;
      } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        depth -= 1;
        if (depth === 0) {
          this.depth = 0;
          this.inString = false;
          return this.endElement(i);
        }
      } else if (code === NEWLINE && this.parent === TOP) {
        // Only a new top-level value starts a line with "{": the one before was cut short.
        if (chunk.charCodeAt(i) === OPEN_BRACE) return this.unclosedRecord(i);
        if (i === n) this.newlineAtEnd = true;
      }
    }
    this.depth = depth;
    this.inString = inString;
    return i;
  }

  private brokenRecord(at: number, message: string): number {
    return this.fail(`invalid JSON: ${message}`, this.position(at), at);
  }

  /** A line starts with `{` inside a top-level record: report it, and read on from that line. */
  private unclosedRecord(at: number): number {
    const position = this.position(at);
    const next = this.fail(`invalid JSON: the record that starts at line ${this.elementLine} is not closed before line ${position.line}`, position, at, 'reading on from there');
    this.atLineStart = true;
    return next;
  }

  private scanScalar(i: number): number {
    const chunk = this.chunk;
    const n = chunk.length;
    while (i < n) {
      const code = chunk.charCodeAt(i);
      if (code === COMMA || code === CLOSE_BRACKET || code === CLOSE_BRACE || isWhitespace(code)) return this.endElement(i);
      i += 1;
    }
    return i;
  }

  private scanContainerTail(i: number): number {
    const chunk = this.chunk;
    const n = chunk.length;
    while (i < n && isWhitespace(chunk.charCodeAt(i))) i += 1;
    if (i >= n) return i;
    const code = chunk.charCodeAt(i);
    if (code === CLOSE_BRACE) {
      this.mode = TOP;
      return i + 1;
    }
    if (code === COMMA) {
      // Keys after `Records` (CloudTrail writes none): skipped up to the object's closing brace.
      this.startElement(i + 1, TOP);
      this.discard = true;
      this.depth = 1;
      this.mode = ELEMENT;
      return i + 1;
    }
    return this.fail(`expected "," or "}" after the "Records" array, found ${showChar(code)}`, this.position(i), i);
  }

  private scanResync(i: number): number {
    const chunk = this.chunk;
    const n = chunk.length;
    while (i < n) {
      if (this.atLineStart && chunk.charCodeAt(i) === OPEN_BRACE) {
        this.mode = TOP;
        this.atLineStart = false;
        return i;
      }
      const next = chunk.indexOf('\n', i);
      if (next === -1) {
        this.atLineStart = false;
        return n;
      }
      this.atLineStart = true;
      i = next + 1;
    }
    return i;
  }

  /** The record ends before index `end` of the chunk: parse it and hand it out. */
  private endElement(end: number): number {
    const parent = this.parent;
    this.mode = parent;
    if (this.discard) {
      this.discard = false;
      return end;
    }
    let text: string;
    if (this.pieces.length === 0) {
      text = this.chunk.slice(this.elementStart, end);
    } else {
      this.pieces.push(this.chunk.slice(0, end));
      text = this.pieces.join('');
      this.pieces = [];
      this.pieceLength = 0;
    }
    if (parent === ARRAY) this.arrayExpect = 1;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      const located = locateJsonError(text) ?? { offset: 0, message: 'not valid JSON' };
      const position = this.elementPositionAt(located.offset, text);
      // In an array the structure is intact up to here, so the next record can still be read.
      if (parent === ARRAY) {
        this.report(`invalid JSON: ${located.message}`, position);
        return end;
      }
      return this.fail(`invalid JSON: ${located.message}`, position, end);
    }
    this.handlers.value(value, this.elementLine);
    return end;
  }
}
