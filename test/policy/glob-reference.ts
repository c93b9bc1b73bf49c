/**
 * The first implementation of `shared/policy/glob.ts`, kept verbatim in logic as the reference
 * the optimised one is checked against (glob.property.test.ts): a straightforward subset walk
 * over two token automata, a new array and a text key for every step, nothing cached.
 */
import type { Budget, Part } from '#shared/policy/glob.ts';

type Token = { kind: 'lit'; char: string } | { kind: 'one'; colon: boolean } | { kind: 'star'; colon: boolean };

const OTHER = '\u0000';
const QUESTION_BUDGET = 1000;

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

class Automaton {
  private readonly tokens: (Token | undefined)[] = [];
  private readonly closures: number[][];
  private readonly initial: number[];

  constructor(machines: readonly Token[][]) {
    const starts: number[] = [];
    for (const machine of machines) {
      starts.push(this.tokens.length);
      this.tokens.push(...machine, undefined);
    }
    this.closures = this.tokens.map((_, state) => {
      const closure = [state];
      for (let next = state; this.tokens[next]?.kind === 'star'; next += 1) closure.push(next + 1);
      return closure;
    });
    this.initial = this.collect(starts);
  }

  private collect(states: Iterable<number>): number[] {
    const result = new Set<number>();
    for (const state of states) for (const reached of this.closures[state] as number[]) result.add(reached);
    return [...result].sort((a, b) => a - b);
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

/** The original `explore`: `undefined` when over budget. Spends `budget` as the original did. */
export function referenceExplore(patterns: readonly string[], target: readonly Part[], mode: 'covers' | 'intersects', caseInsensitive: boolean, budget: Budget): boolean | undefined {
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

/** The original `globMatches`. */
export function referenceGlobMatches(pattern: string, text: string, caseInsensitive = true): boolean {
  return referenceExplore([pattern], [{ literal: text }], 'covers', caseInsensitive, { states: Number.POSITIVE_INFINITY }) === true;
}
