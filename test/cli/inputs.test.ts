import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectInputs, type Input, InputReadError, preload, readInput, WHOLE_LIMIT } from '../../cli/inputs.ts';
import type { JsonInputError } from '../../cli/json-stream.ts';

interface Read {
  records: unknown[];
  lines: (number | undefined)[];
  errors: string[];
  drains: number;
  /** Records handed out when the first batch could be processed: fewer than all, when streaming. */
  recordsAtFirstDrain: number | undefined;
  consumed: number;
  gzip: boolean;
}

async function read(input: Input, options: { stdin?: Readable; preloaded?: boolean } = {}): Promise<Read> {
  const result: Read = { records: [], lines: [], errors: [], drains: 0, recordsAtFirstDrain: undefined, consumed: 0, gzip: false };
  const preloaded = options.preloaded ? await preload(input) : undefined;
  await readInput(
    input,
    options.stdin ?? Readable.from([]),
    {
      record: (value, line) => {
        result.records.push(value);
        result.lines.push(line);
      },
      syntaxError: (error: JsonInputError) => result.errors.push(`${error.position.line}:${error.position.column}: ${error.message}`),
      drain: async () => {
        result.drains += 1;
        result.recordsAtFirstDrain ??= result.records.length;
      },
      consumed: (bytes) => {
        result.consumed += bytes;
      },
      gzip: () => {
        result.gzip = true;
      },
    },
    preloaded,
  );
  return result;
}

/** A CloudTrail log file larger than `WHOLE_LIMIT`, pretty-printed so that records have lines. */
function largeLogFile(): { text: string; count: number } {
  const records = [];
  const padding = 'x'.repeat(900);
  for (let index = 0; records.length * 1000 < WHOLE_LIMIT + 3_000_000; index += 1) {
    records.push({ eventID: `id-${index}`, eventName: 'GetObject', eventSource: 's3.amazonaws.com', padding });
  }
  return { text: JSON.stringify({ Records: records }, null, 1), count: records.length };
}

describe('inputs', () => {
  let work: string;
  const file = (name: string, content: string | Buffer): Extract<Input, { kind: 'file' }> => {
    const path = join(work, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
    return { kind: 'file', path, name, size: Buffer.byteLength(content) };
  };

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'vigil-inputs-'));
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  describe('collectInputs', () => {
    it('expands directories recursively, in name order, skipping what is not an event file', async () => {
      // Prepare
      file('tree/b/2.json', '{}');
      file('tree/b/1.jsonl.gz', gzipSync('{}'));
      file('tree/a.ndjson', '{}');
      file('tree/c.JSON', '{}');
      file('tree/notes.txt', 'no');
      file('tree/.hidden/x.json', '{}');
      file('tree/node_modules/x.json', '{}');
      file('tree/CloudTrail-Digest/x.json.gz', gzipSync('{}'));
      symlinkSync(join(work, 'tree', 'a.ndjson'), join(work, 'tree', 'd.json'));
      // Act
      const { inputs, problems } = await collectInputs(['tree', '-'], work);
      // Assess
      expect(problems).toEqual([]);
      expect(inputs.map((input) => input.name)).toEqual([join('tree', 'a.ndjson'), join('tree', 'b', '1.jsonl.gz'), join('tree', 'b', '2.json'), join('tree', 'c.JSON'), join('tree', 'd.json'), '(standard input)']);
    });

    it('reads a file named explicitly whatever its name, and reports paths it cannot use', async () => {
      // Prepare
      file('explicit/events.log', '{}');
      mkdirSync(join(work, 'empty'), { recursive: true });
      // Act
      const { inputs, problems } = await collectInputs(['explicit/events.log', 'nowhere.json', 'empty'], work);
      // Assess
      expect(inputs.map((input) => input.name)).toEqual(['explicit/events.log']);
      expect(problems).toEqual([
        { name: 'nowhere.json', message: 'no such file or directory' },
        { name: 'empty', message: 'no event files (*.json, *.jsonl, *.ndjson, optionally .gz) in this directory' },
      ]);
    });
  });

  describe('readInput', () => {
    it('streams an input larger than it parses whole, record by record, with their lines', async () => {
      // Prepare
      const { text, count } = largeLogFile();
      const input = file('large.json', text);
      // Act
      const preloaded = await preload(input);
      const result = await read(input);
      // Assess
      expect(preloaded).toBeUndefined();
      expect(result.errors).toEqual([]);
      expect(result.records).toHaveLength(count);
      expect(result.records[count - 1]).toMatchObject({ eventID: `id-${count - 1}` });
      expect(result.lines.slice(0, 2)).toEqual([3, 9]);
      expect(result.recordsAtFirstDrain).toBeGreaterThan(0);
      expect(result.recordsAtFirstDrain).toBeLessThan(count);
      expect(result.consumed).toBe(Buffer.byteLength(text));
    });

    it('streams a gzip file that decompresses to more than it parses whole', async () => {
      // Prepare
      const { text, count } = largeLogFile();
      const input = file('large.json.gz', gzipSync(text));
      // Act
      const preloaded = await preload(input);
      const result = await read(input);
      // Assess
      expect(input.size).toBeLessThan(WHOLE_LIMIT);
      expect(preloaded).toBeUndefined();
      expect(result.gzip).toBe(true);
      expect(result.records).toHaveLength(count);
    });

    it.each([
      ['ASCII, escapes included', Buffer.from('{"Records":[{"name":"caf\\u00e9","n":1}]}')],
      ['UTF-8', Buffer.from('{"Records":[{"name":"café 😀","n":1}]}')],
      ['invalid UTF-8', Buffer.concat([Buffer.from('{"Records":[{"name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('","n":1}]}')])],
    ])('decodes %s content the same whether preloaded or streamed', async (_, bytes) => {
      // Prepare
      const plain = file(`text-${bytes.length}.json`, bytes);
      const gzip = file(`text-${bytes.length}.json.gz`, gzipSync(bytes));
      const expected = (JSON.parse(bytes.toString('utf8')) as { Records: unknown[] }).Records;
      // Act
      const results = [await read(plain, { preloaded: true }), await read(gzip, { preloaded: true }), await read(plain), await read(gzip)];
      // Assess
      for (const result of results) expect(result.records).toEqual(expected);
    });

    it('reads a small gzip file from its preloaded content, as it would have streamed it', async () => {
      // Prepare
      const input = file('small.json.gz', gzipSync('{"Records":[{"a":1},{"a":2}]}'));
      // Act
      const preloaded = await read(input, { preloaded: true });
      const streamed = await read(input);
      // Assess
      expect(preloaded.records).toEqual([{ a: 1 }, { a: 2 }]);
      expect(preloaded.gzip).toBe(true);
      expect({ ...preloaded, lines: [], drains: 0 }).toEqual({ ...streamed, lines: [], drains: 0 });
      expect(streamed.lines).toEqual([undefined, undefined]);
    });

    it('reads standard input, gzip or not, beyond what it holds whole', async () => {
      // Prepare
      const { text, count } = largeLogFile();
      const stdin = Readable.from([gzipSync(text)]);
      // Act
      const result = await read({ kind: 'stdin', name: '(standard input)' }, { stdin });
      // Assess
      expect(result.gzip).toBe(true);
      expect(result.records).toHaveLength(count);
    });

    it('throws InputReadError for a file that cannot be read', async () => {
      // Prepare
      const input: Input = { kind: 'file', path: join(work, 'gone.json'), name: 'gone.json', size: 10 };
      // Act
      const reading = read(input);
      // Assess
      await expect(reading).rejects.toThrow(InputReadError);
      await expect(read(input)).rejects.toThrow(/^cannot read: no such file or directory$/);
    });
  });
});
