import { describe, expect, it } from 'vitest';
import { lineAndColumn, locateJsonError } from '../../cli/json-error.ts';
import { type JsonInputError, JsonRecordScanner } from '../../cli/json-stream.ts';

interface Scan {
  values: unknown[];
  lines: number[];
  errors: { message: string; line: number; column: number; byte: number }[];
}

/** Scans `text` fed in pieces of `chunk` characters. */
function scan(text: string, chunk = 7): Scan {
  const result: Scan = { values: [], lines: [], errors: [] };
  const scanner = new JsonRecordScanner({
    value: (value, line) => {
      result.values.push(value);
      result.lines.push(line);
    },
    error: (error: JsonInputError) => result.errors.push({ message: error.message, ...error.position }),
  });
  for (let index = 0; index < text.length; index += chunk) scanner.write(text.slice(index, index + chunk));
  scanner.end();
  return result;
}

describe('JsonRecordScanner layouts', () => {
  it.each([
    ['one object', '{"a":1}', [{ a: 1 }], [1]],
    ['one pretty-printed object', '{\n  "a": {\n    "b": [1, 2]\n  }\n}\n', [{ a: { b: [1, 2] } }], [1]],
    ['JSON lines', '{"a":1}\n{"a":2}\r\n\n{"a":3}\n', [{ a: 1 }, { a: 2 }, { a: 3 }], [1, 2, 4]],
    ['concatenated documents', '{"a":1}{"a":2} {"a":3}', [{ a: 1 }, { a: 2 }, { a: 3 }], [1, 1, 1]],
    ['a top-level array', '[{"a":1},\n {"a":2}]', [{ a: 1 }, { a: 2 }], [1, 2]],
    ['a CloudTrail log file', '{"Records":[{"a":1},{"a":2}]}', [{ a: 1 }, { a: 2 }], [1, 1]],
    ['a pretty log file', '{\n  "Records" : [\n    {"a": 1},\n    {"a": 2}\n  ]\n}\n', [{ a: 1 }, { a: 2 }], [3, 4]],
    ['concatenated log files', '{"Records":[{"a":1}]}\n{"Records":[]}\n{"Records":[{"a":2}]}', [{ a: 1 }, { a: 2 }], [1, 3]],
    ['keys after Records, skipped', '{"Records":[{"a":1}],"x":{"y":[1,"]}"]}}{"b":2}', [{ a: 1 }, { b: 2 }], [1, 1]],
    ['an object whose first key is not Records', '{"Recordsx":[1],"Records":[2]}', [{ Recordsx: [1], Records: [2] }], [1]],
    ['strings with brackets, quotes and escapes', '{"a":"}{][\\"\\\\","b":"\\u007b"}', [{ a: '}{][\\"\\\\'.replace(/\\(.)/g, '$1'), b: '{' }], [1]],
    ['non-ASCII text', '{"a":"é✓𝄞"}\n{"b":"ü"}', [{ a: 'é✓𝄞' }, { b: 'ü' }], [1, 2]],
    ['a byte order mark', '\uFEFF{"a":1}', [{ a: 1 }], [1]],
    ['scalars inside an array', '[1, "two", null, true]', [1, 'two', null, true], [1, 1, 1, 1]],
    ['nothing but whitespace', ' \n\t\r\n', [], []],
  ])('reads %s', (_name, text, expected, lines) => {
    // Act
    const result = scan(text);
    // Assess
    expect(result.errors).toEqual([]);
    expect(result.values).toEqual(expected);
    expect(result.lines).toEqual(lines);
  });

  it('gives the same records whatever the pieces the input arrives in', () => {
    // Prepare
    const text = '{"Records":[{"a":"x\\"}","b":[{"c":1}]},\n{"d":"\\\\"}]}\n{"e":"é"}\n[{"f":2}]';
    const whole = scan(text, text.length);
    // Act
    const pieces = [1, 2, 3, 5, 11].map((size) => scan(text, size));
    // Assess
    expect(whole.values).toHaveLength(4);
    for (const result of pieces) expect(result).toEqual(whole);
  });
});

describe('JsonRecordScanner errors', () => {
  it('names line, column and byte of a bad value in JSON lines, and reads the next lines', () => {
    // Act
    const result = scan('{"a":1}\n{"b": nope}\n{"c":3}\n');
    // Assess
    expect(result.values).toEqual([{ a: 1 }, { c: 3 }]);
    expect(result.errors).toEqual([
      { message: 'invalid JSON: unexpected "n" where a value was expected; skipping to the next line that starts with "{"', line: 2, column: 7, byte: 14 },
    ]);
  });

  it('counts the byte offset in UTF-8 bytes, the column in characters', () => {
    // Act
    const result = scan('{"a":"é"}\n{"é":"ü", x}');
    // Assess
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ line: 2, column: 11, byte: 23 });
  });

  it('reads on after a record cut short at the end of its line', () => {
    // Act
    const result = scan('{"a":1\n{"b":2}\n{"c":"unterminated\n{"d":4}');
    // Assess
    expect(result.values).toEqual([{ b: 2 }, { d: 4 }]);
    expect(result.errors.map(({ line, column, message }) => [line, column, message])).toEqual([
      [2, 1, 'invalid JSON: the record that starts at line 1 is not closed before line 2; reading on from there'],
      [3, 19, 'invalid JSON: a string is not closed before the end of its line; skipping to the next line that starts with "{"'],
    ]);
  });

  // Found by the property test: a backslash ending one piece and a line break opening the next
  // were read as an escape, and the broken record swallowed the rest of the input.
  it('treats an escaped line break as a broken record, even across pieces', () => {
    // Prepare
    const text = '{"a":"x\\\n{"b":2}';
    // Act
    const whole = scan(text, text.length);
    const split = scan(text, 8);
    // Assess
    expect(whole.values).toEqual([{ b: 2 }]);
    expect(whole.errors).toHaveLength(1);
    expect(split).toEqual(whole);
  });

  it('keeps reading a log file after a record that is not valid JSON', () => {
    // Act
    const result = scan('{"Records":[{"a":1},{"b":1,},{"c":3}]}');
    // Assess
    expect(result.values).toEqual([{ a: 1 }, { c: 3 }]);
    expect(result.errors).toEqual([{ message: 'invalid JSON: unexpected "}" where a property name in double quotes was expected', line: 1, column: 28, byte: 27 }]);
  });

  it('skips the rest of a one-line log file whose structure breaks', () => {
    // Act
    const result = scan('{"Records":[{"a":1} {"b":2},{"c":3}]}');
    // Assess
    expect(result.values).toEqual([{ a: 1 }]);
    expect(result.errors).toEqual([{ message: 'expected "," or "]" after a record, found "{"; skipping to the next line that starts with "{"', line: 1, column: 21, byte: 20 }]);
  });

  it.each([
    ['an unclosed record', '{"a":[1,2', 'unexpected end of input inside the record that starts at line 1, column 1'],
    ['an unclosed log file', '{"Records":[{"a":1}', 'unexpected end of input: the array that starts at line 1 is not closed'],
    ['an unclosed Records object', '{"Records":[]', 'unexpected end of input: the object that holds "Records" is not closed'],
  ])('reports %s at the end of the input', (_name, text, message) => {
    // Act
    const result = scan(text);
    // Assess
    expect(result.errors.map((error) => error.message)).toEqual([message]);
    expect(result.errors[0]).toMatchObject({ line: 1, column: text.length + 1, byte: text.length });
  });

  it('rejects text that is not JSON and resumes at the next object', () => {
    // Act
    const result = scan('hello\nworld\n{"a":1}');
    // Assess
    expect(result.values).toEqual([{ a: 1 }]);
    expect(result.errors).toEqual([{ message: 'expected a JSON object or array, found "h"; skipping to the next line that starts with "{"', line: 1, column: 1, byte: 0 }]);
  });
});

describe('locateJsonError', () => {
  it.each([
    ['{"a":1}', undefined],
    ['[]', undefined],
    ['  {"a":[1,-2.5e3,true,null,"\\u00e9"]} ', undefined],
    ['{"a":1,}', { offset: 7, message: 'unexpected "}" where a property name in double quotes was expected' }],
    ['{"a" 1}', { offset: 5, message: 'expected ":" after a property name, found "1"' }],
    ['[1 2]', { offset: 3, message: 'expected "," or "]", found "2"' }],
    ['{"a":"b\\x"}', { offset: 8, message: 'invalid escape "x" in a string' }],
    ['{"a":"b', { offset: 7, message: 'unterminated string' }],
    ['{"a":1} x', { offset: 8, message: 'unexpected "x" after the end of the value' }],
    ['', { offset: 0, message: 'unexpected end of input where a value was expected' }],
  ])('locates the first error of %j', (text, expected) => {
    // Act & Assess
    expect(locateJsonError(text)).toEqual(expected);
    if (expected === undefined) expect(() => JSON.parse(text)).not.toThrow();
    else expect(() => JSON.parse(text)).toThrow();
  });

  it('turns an offset into line and column', () => {
    // Act & Assess
    expect(lineAndColumn('ab\ncd\nef', 7)).toEqual({ line: 3, column: 2 });
    expect(lineAndColumn('ab', 0)).toEqual({ line: 1, column: 1 });
  });
});
