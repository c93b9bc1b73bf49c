/**
 * IAM wildcard patterns (`*` any run, `?` one character), decided exactly as regular languages.
 * "Does `i*:*` match every IAM action?" is a question about infinitely many strings, which no
 * list of sample actions answers soundly; a subset walk over two small automata does.
 */

/** One step of a pattern: a literal character, exactly one character, or any run. */
type Token = { kind: 'lit'; char: string } | { kind: 'one'; colon: boolean } | { kind: 'star'; colon: boolean };

/**
 * A language written like a glob, where `field` parts stand for an ARN field or a service
 * prefix (characters other than `:`).
 */
export type Part = { literal: string } | { any: 'one-or-more' | 'field' | 'field-or-empty' };

/** Stands for every character that neither side mentions (they all behave alike). */
const OTHER = '\u0000';

function tokensOfGlob(pattern: string): Token[] {
  return [...pattern].map((char): Token => (char === '*' ? { kind: 'star', colon: true } : char === '?' ? { kind: 'one', colon: true } : { kind: 'lit', char }));
}

function tokensOfParts(parts: readonly Part[]): Token[] {
  const tokens: Token[] = [];
  for (const part of parts) {
    if ('literal' in part) {
      for (const char of part.literal) tokens.push({ kind: 'lit', char });
      continue;
    }
    const colon = part.any === 'one-or-more';
    if (part.any !== 'field-or-empty') tokens.push({ kind: 'one', colon });
    tokens.push({ kind: 'star', colon });
  }
  return tokens;
}

/**
 * NFA over token lists. States are numbered across all machines; each machine's accepting state
 * is the position after its last token. State sets are sorted arrays, compared by their text.
 */
class Automaton {
  /** Token at each state, `undefined` at a machine's end. */
  private readonly tokens: (Token | undefined)[] = [];
  /** Per state: itself and the states `*` tokens let it skip to. */
  private readonly closures: number[][];
  private readonly initial: number[];
  /** Scratch marks for building sets without allocating a Set per step. */
  private readonly marks: Uint8Array;

  constructor(machines: readonly Token[][]) {
    const starts: number[] = [];
    for (const machine of machines) {
      starts.push(this.tokens.length);
      this.tokens.push(...machine, undefined);
    }
    this.closures = this.tokens.map((_, state) => {
      const closure = [state];
      // `*` may match the empty run.
      for (let next = state; this.tokens[next]?.kind === 'star'; next += 1) closure.push(next + 1);
      return closure;
    });
    this.marks = new Uint8Array(this.tokens.length);
    this.initial = this.collect(starts);
  }

  private collect(states: Iterable<number>): number[] {
    const result: number[] = [];
    for (const state of states) {
      for (const reached of this.closures[state] as number[]) {
        if (this.marks[reached]) continue;
        this.marks[reached] = 1;
        result.push(reached);
      }
    }
    for (const state of result) this.marks[state] = 0;
    return result.sort((a, b) => a - b);
  }

  start(): number[] {
    return this.initial;
  }

  step(states: readonly number[], char: string): number[] {
    const next: number[] = [];
    for (const state of states) {
      const token = this.tokens[state];
      if (!token) continue;
      const allowed = token.kind === 'lit' ? token.char === char : token.colon || char !== ':';
      if (allowed) next.push(token.kind === 'star' ? state : state + 1);
    }
    return this.collect(next);
  }

  accepts(states: readonly number[]): boolean {
    return states.some((state) => this.tokens[state] === undefined);
  }

  literals(): string[] {
    return this.tokens.flatMap((token) => (token?.kind === 'lit' ? [token.char] : []));
  }
}

/**
 * How many (target, pattern) state pairs questions may visit. Patterns that track progress
 * independently (`*a1*b1*`, `*a2*b2*`, ...) multiply states; a crafted policy must not stall the
 * evaluation, so past the budget a question stays undecided and the caller picks the safe side.
 * One budget can be shared by all the questions of one analysis.
 */
export interface Budget {
  states: number;
}

export const QUESTION_BUDGET = 1000;

function explore(patterns: readonly string[], target: readonly Part[], mode: 'covers' | 'intersects', caseInsensitive: boolean, budget: Budget): boolean | undefined {
  const fold = (text: string) => (caseInsensitive ? text.toLowerCase() : text);
  const left = new Automaton([tokensOfParts(target.map((part) => ('literal' in part ? { literal: fold(part.literal) } : part)))]);
  const right = new Automaton(patterns.map((pattern) => tokensOfGlob(fold(pattern))));
  const alphabet = [...new Set([OTHER, ':', ...left.literals(), ...right.literals()])];

  const key = (a: readonly number[], b: readonly number[]) => `${a.join(',')}|${b.join(',')}`;
  const first: [number[], number[]] = [left.start(), right.start()];
  const seen = new Set([key(...first)]);
  const queue = [first];
  while (queue.length > 0) {
    const [inTarget, inPatterns] = queue.pop() as [number[], number[]];
    if (left.accepts(inTarget)) {
      const matched = right.accepts(inPatterns);
      if (mode === 'covers' && !matched) return false;
      if (mode === 'intersects' && matched) return true;
    }
    for (const char of alphabet) {
      const nextTarget = left.step(inTarget, char);
      if (nextTarget.length === 0) continue;
      const nextPatterns = right.step(inPatterns, char);
      if (nextPatterns.length === 0 && mode === 'intersects') continue;
      const nextKey = key(nextTarget, nextPatterns);
      if (seen.has(nextKey)) continue;
      if (budget.states <= 0 || seen.size >= QUESTION_BUDGET) return undefined;
      budget.states -= 1;
      seen.add(nextKey);
      queue.push([nextTarget, nextPatterns]);
    }
  }
  return mode === 'covers';
}

export interface LanguageQuestion {
  caseInsensitive?: boolean;
  /** The answer when the question is too costly to decide: the side that is safe for the caller. */
  whenUndecided: boolean;
  /** Shared with other questions; a fresh `QUESTION_BUDGET` when absent. */
  budget?: Budget;
}

/** Whether every string of the `target` language matches at least one of `patterns`. */
export function coversLanguage(patterns: readonly string[], target: readonly Part[], question: LanguageQuestion): boolean {
  if (patterns.length === 0) return false;
  return explore(patterns, target, 'covers', question.caseInsensitive ?? true, question.budget ?? { states: QUESTION_BUDGET }) ?? question.whenUndecided;
}

/** Whether some string of the `target` language matches one of `patterns`. */
export function intersectsLanguage(patterns: readonly string[], target: readonly Part[], question: LanguageQuestion): boolean {
  if (patterns.length === 0) return false;
  return explore(patterns, target, 'intersects', question.caseInsensitive ?? true, question.budget ?? { states: QUESTION_BUDGET }) ?? question.whenUndecided;
}

/** Whether `text` matches the glob `pattern` (one literal target: always decided). */
export function globMatches(pattern: string, text: string, caseInsensitive = true): boolean {
  // A single literal target has at most one pattern-state set per character: never over budget.
  return explore([pattern], [{ literal: text }], 'covers', caseInsensitive, { states: Number.POSITIVE_INFINITY }) === true;
}

/** Whether the glob has a wildcard at all. */
export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}
