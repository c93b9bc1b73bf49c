/**
 * Where a JSON text first goes wrong, with a message a person can act on. `JSON.parse` does not
 * always say where (V8 quotes a snippet instead of an offset for an unexpected token), and a
 * rejected input must name its line and column. Only called after `JSON.parse` failed, so it
 * favours plainness over speed; iterative, so deep nesting cannot overflow the stack.
 */

export interface JsonErrorLocation {
  /** Offset in the text (UTF-16 code units) of the first character that is not valid there. */
  offset: number;
  message: string;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const LITERALS = ['true', 'false', 'null'] as const;
const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

function describe(char: string | undefined): string {
  if (char === undefined) return 'end of input';
  if (char === '\n') return 'a line break';
  if (char === '\t') return 'a tab';
  return `"${char}"`;
}

type Expect = 'value' | 'first-key' | 'key' | 'colon' | 'after-value';

/** The first syntax error in `text`, or undefined when it is one valid JSON value. */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  const stack: ('{' | '[')[] = [];
  let expect: Expect = 'value';
  let i = 0;
  const fail = (message: string): JsonErrorLocation => ({ offset: i, message });

  /** Reads a string starting at the quote at `i`; returns an error or moves `i` past it. */
  const readString = (): JsonErrorLocation | undefined => {
    i += 1;
    while (i < text.length) {
      const char = text[i];
      if (char === '"') {
        i += 1;
        return undefined;
      }
      if (char === '\\') {
        const escape = text[i + 1];
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            i += 2;
            return fail('invalid \\u escape in a string');
          }
          i += 6;
          continue;
        }
        if (escape === undefined || !ESCAPES.has(escape)) {
          i += 1;
          return fail(`invalid escape ${describe(escape)} in a string`);
        }
        i += 2;
        continue;
      }
      if (char !== undefined && char.charCodeAt(0) < 0x20) return fail(`unescaped control character (${describe(char)}) in a string`);
      i += 1;
    }
    return fail('unterminated string');
  };

  for (;;) {
    while (i < text.length && WHITESPACE.has(text[i] as string)) i += 1;
    const char = text[i];
    if (expect === 'value') {
      if (char === '{') {
        stack.push('{');
        expect = 'first-key';
        i += 1;
      } else if (char === '[') {
        stack.push('[');
        i += 1;
        while (i < text.length && WHITESPACE.has(text[i] as string)) i += 1;
        if (text[i] === ']') {
          stack.pop();
          i += 1;
          expect = 'after-value';
        }
      } else if (char === '"') {
        const error = readString();
        if (error) return error;
        expect = 'after-value';
      } else if (char !== undefined && (char === '-' || (char >= '0' && char <= '9'))) {
        NUMBER.lastIndex = i;
        const match = NUMBER.exec(text);
        if (!match) return fail('invalid number');
        i += match[0].length;
        expect = 'after-value';
      } else {
        const literal = LITERALS.find((word) => text.startsWith(word, i));
        if (!literal) return fail(`unexpected ${describe(char)} where a value was expected`);
        i += literal.length;
        expect = 'after-value';
      }
    } else if (expect === 'first-key' || expect === 'key') {
      if (char === '}' && expect === 'first-key') {
        stack.pop();
        i += 1;
        expect = 'after-value';
      } else if (char === '"') {
        const error = readString();
        if (error) return error;
        expect = 'colon';
      } else {
        return fail(`unexpected ${describe(char)} where a property name in double quotes was expected`);
      }
    } else if (expect === 'colon') {
      if (char !== ':') return fail(`expected ":" after a property name, found ${describe(char)}`);
      i += 1;
      expect = 'value';
    } else {
      const open = stack[stack.length - 1];
      if (open === undefined) {
        return char === undefined ? undefined : fail(`unexpected ${describe(char)} after the end of the value`);
      }
      const close = open === '{' ? '}' : ']';
      if (char === ',') {
        i += 1;
        expect = open === '{' ? 'key' : 'value';
      } else if (char === close) {
        stack.pop();
        i += 1;
      } else {
        return fail(`expected "," or "${close}", found ${describe(char)}`);
      }
    }
  }
}

/** Line and column (both from 1) of `offset` in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1)) {
    line += 1;
    lineStart = index + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
