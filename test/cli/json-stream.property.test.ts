import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonRecordScanner } from '../../cli/json-stream.ts';

type Layout = 'records' | 'pretty-records' | 'lines' | 'array' | 'concatenated-pretty';

function render(records: readonly Record<string, unknown>[], layout: Layout): string {
  switch (layout) {
    case 'records':
      return JSON.stringify({ Records: records });
    case 'pretty-records':
      return JSON.stringify({ Records: records }, null, 2);
    case 'lines':
      return records.map((record) => JSON.stringify(record)).join('\n');
    case 'array':
      return JSON.stringify(records, null, 1);
    default:
      return records.map((record) => JSON.stringify(record, null, 2)).join('\n');
  }
}

/** Feeds `text` in pieces cut at `cuts` (positions, any order). */
function scanInPieces(text: string, cuts: readonly number[]): { values: unknown[]; errors: string[] } {
  const values: unknown[] = [];
  const errors: string[] = [];
  const scanner = new JsonRecordScanner({ value: (value) => values.push(value), error: (error) => errors.push(error.message) });
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  let start = 0;
  for (const point of [...points, text.length]) {
    scanner.write(text.slice(start, point));
    start = point;
  }
  scanner.end();
  return { values, errors };
}

// Records as CloudTrail writes them: objects (so each layout can hold them), any JSON inside,
// strings with quotes, backslashes, brackets and non-ASCII characters.
const text = fc.string({ unit: fc.constantFrom('a', '"', '\\', '{', '}', '[', ']', ',', ':', 'é', '𝄞', ' ', '\t') });
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.boolean(), fc.constant(null), text, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(text, tie('node'), { maxKeys: 3 })),
})).node;
const record = fc.dictionary(text, value, { maxKeys: 4 });

describe('JsonRecordScanner (property)', () => {
  it('hands out exactly the records written, in order, wherever the input is cut', () => {
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 6 }),
        fc.constantFrom<Layout>('records', 'pretty-records', 'lines', 'array', 'concatenated-pretty'),
        fc.array(fc.nat(), { maxLength: 12 }),
        (records, layout, cuts) => {
          // Prepare
          const input = render(records, layout);
          // Act
          const result = scanInPieces(input, cuts);
          // Assess: what JSON.parse makes of each record (-0 comes back as 0, as JSON has it).
          expect(result.errors).toEqual([]);
          expect(result.values).toEqual(JSON.parse(JSON.stringify(records)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads broken input the same (records and errors) wherever it is cut, and never throws', () => {
    const broken = fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', ',', ':', '\n', 'R', 'e', 'c', 'o', 'r', 'd', 's', '1', ' ', '{"Records":[', '{"a":1}') });
    fc.assert(
      fc.property(broken, fc.array(fc.nat(), { maxLength: 6 }), (input, cuts) => {
        // Act
        const whole = scanInPieces(input, []);
        const pieces = scanInPieces(input, cuts);
        // Assess
        expect(pieces).toEqual(whole);
      }),
      { numRuns: 2000 },
    );
  });
});
