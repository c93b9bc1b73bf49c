/**
 * IAM wildcard patterns (`*` any run, `?` one character), decided exactly as regular languages.
 * "Does `i*:*` match every IAM action?" is a question about infinitely many strings, which no
 * list of sample actions answers soundly; a subset walk over two small automata does.
 *
 * Every rule asks these questions of every policy it sees, mostly the same few (`*`, exact
 * actions, the same trust policies over and over), so both kinds of answer are cached: a compiled
 * matcher per pattern, and each language question's answer with what it cost (see `askCached`).
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
 * NFA over token lists, determinised as it is walked: each set of states reached (a sorted
 * array) gets a small number, and each (set, character) step is computed once per question.
 * States are numbered across all machines; each machine's accepting state is the position after
 * its last token.
 */
class Automaton {
  /** Token at each state, `undefined` at a machine's end. */
  private readonly tokens: (Token | undefined)[] = [];
  /** Per state: itself and the states `*` tokens let it skip to. */
  private readonly closures: number[][];
  /** Scratch marks for building sets without allocating a Set per step. */
  private readonly marks: Uint8Array;
  private readonly alphabet: readonly string[];
  /** Set number → its states; the empty set is number 0. */
  private readonly sets: number[][] = [[]];
  private readonly accepting: boolean[] = [false];
  private readonly numbers = new Map<string, number>([['', 0]]);
  /** Per set number, per alphabet index: the next set's number, once computed. */
  private readonly transitions: (Int32Array | undefined)[] = [];
  readonly initial: number;

  constructor(machines: readonly Token[][], alphabet: readonly string[]) {
    this.alphabet = alphabet;
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
    this.initial = this.numberOf(this.collect(starts));
  }

  static literals(machines: readonly Token[][]): string[] {
    return machines.flatMap((machine) => machine.flatMap((token) => (token.kind === 'lit' ? [token.char] : [])));
  }

  private collect(states: readonly number[]): number[] {
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

  private numberOf(states: number[]): number {
    const key = states.join(',');
    const known = this.numbers.get(key);
    if (known !== undefined) return known;
    const number = this.sets.length;
    this.sets.push(states);
    this.accepting.push(states.some((state) => this.tokens[state] === undefined));
    this.numbers.set(key, number);
    return number;
  }

  /** The set reached from set `set` on the alphabet's character `index` (0: the empty set). */
  step(set: number, index: number): number {
    let row = this.transitions[set];
    if (!row) {
      row = new Int32Array(this.alphabet.length).fill(-1);
      this.transitions[set] = row;
    }
    const cached = row[index] as number;
    if (cached >= 0) return cached;
    const char = this.alphabet[index] as string;
    const next: number[] = [];
    for (const state of this.sets[set] as number[]) {
      const token = this.tokens[state];
      if (!token) continue;
      const allowed = token.kind === 'lit' ? token.char === char : token.colon || char !== ':';
      if (allowed) next.push(token.kind === 'star' ? state : state + 1);
    }
    const number = next.length === 0 ? 0 : this.numberOf(this.collect(next));
    row[index] = number;
    return number;
  }

  accepts(set: number): boolean {
    return this.accepting[set] === true;
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

type Mode = 'covers' | 'intersects';

/**
 * The product walk: `undefined` when a state pair past the budget (or past `QUESTION_BUDGET`
 * pairs) would be needed. Spends one unit of `budget` per new pair.
 */
function explore(patterns: readonly string[], target: readonly Part[], mode: Mode, caseInsensitive: boolean, budget: Budget): boolean | undefined {
  const fold = (text: string) => (caseInsensitive ? text.toLowerCase() : text);
  const targetTokens = [tokensOfParts(target.map((part) => ('literal' in part ? { literal: fold(part.literal) } : part)))];
  const patternTokens = patterns.map((pattern) => tokensOfGlob(fold(pattern)));
  const alphabet = [...new Set([OTHER, ':', ...Automaton.literals(targetTokens), ...Automaton.literals(patternTokens)])];
  const left = new Automaton(targetTokens, alphabet);
  const right = new Automaton(patternTokens, alphabet);

  // Pairs seen, by target set: the target side has few sets.
  const seen: (Set<number> | undefined)[] = [];
  const see = (inTarget: number, inPatterns: number): boolean => {
    let bucket = seen[inTarget];
    if (!bucket) {
      bucket = new Set();
      seen[inTarget] = bucket;
    }
    if (bucket.has(inPatterns)) return false;
    bucket.add(inPatterns);
    return true;
  };
  see(left.initial, right.initial);
  let seenCount = 1;
  // Pairs as two entries each, taken from the end (depth first).
  const queue = [left.initial, right.initial];
  while (queue.length > 0) {
    const inPatterns = queue.pop() as number;
    const inTarget = queue.pop() as number;
    if (left.accepts(inTarget)) {
      const matched = right.accepts(inPatterns);
      if (mode === 'covers' && !matched) return false;
      if (mode === 'intersects' && matched) return true;
    }
    for (let index = 0; index < alphabet.length; index += 1) {
      const nextTarget = left.step(inTarget, index);
      if (nextTarget === 0) continue;
      const nextPatterns = right.step(inPatterns, index);
      if (nextPatterns === 0 && mode === 'intersects') continue;
      if (seen[nextTarget]?.has(nextPatterns)) continue;
      if (budget.states <= 0 || seenCount >= QUESTION_BUDGET) return undefined;
      budget.states -= 1;
      see(nextTarget, nextPatterns);
      seenCount += 1;
      queue.push(nextTarget, nextPatterns);
    }
  }
  return mode === 'covers';
}

/** A question's answer with no budget but the per-question one, and the budget it spent. */
interface Answer {
  answer: boolean | undefined;
  spent: number;
}

/** Answers kept; past this many the cache starts over (policies come from events: no unbounded growth). */
const ANSWER_CACHE_SIZE = 2048;
const answers = new Map<string, Answer>();

/**
 * `explore`, answered from the cache when the same question was asked before. The walk is
 * deterministic, so a shared budget is spent exactly as a fresh walk would spend it: a walk that
 * needed `spent` new pairs succeeds with a budget of at least `spent`, and with less it runs the
 * budget down to zero and stays undecided.
 */
function askCached(patterns: readonly string[], target: readonly Part[], mode: Mode, caseInsensitive: boolean, budget: Budget): boolean | undefined {
  const key = JSON.stringify([mode, caseInsensitive, target, patterns]);
  let cached = answers.get(key);
  if (!cached) {
    const unlimited = { states: Number.MAX_SAFE_INTEGER };
    const answer = explore(patterns, target, mode, caseInsensitive, unlimited);
    cached = { answer, spent: Number.MAX_SAFE_INTEGER - unlimited.states };
    if (answers.size >= ANSWER_CACHE_SIZE) answers.clear();
    answers.set(key, cached);
  }
  if (cached.spent === 0 || budget.states >= cached.spent) {
    budget.states -= cached.spent;
    return cached.answer;
  }
  if (budget.states > 0) budget.states = 0;
  return undefined;
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
  return askCached(patterns, target, 'covers', question.caseInsensitive ?? true, question.budget ?? { states: QUESTION_BUDGET }) ?? question.whenUndecided;
}

/** Whether some string of the `target` language matches one of `patterns`. */
export function intersectsLanguage(patterns: readonly string[], target: readonly Part[], question: LanguageQuestion): boolean {
  if (patterns.length === 0) return false;
  return askCached(patterns, target, 'intersects', question.caseInsensitive ?? true, question.budget ?? { states: QUESTION_BUDGET }) ?? question.whenUndecided;
}

// ---------------------------------------------------------------------------------------------
// One pattern against one string

/**
 * A pattern compiled for matching single strings. Characters are code points, as in the
 * automata; `units` marks patterns without surrogates, whose code units are their code points.
 */
type Matcher =
  | { kind: 'anything' }
  | { kind: 'exact'; text: string }
  | { kind: 'prefix'; prefix: string }
  | { kind: 'glob'; units: boolean; pattern: string; points: readonly string[] };

const SURROGATE = /[\uD800-\uDFFF]/;
const MATCHER_CACHE_SIZE = 4096;
/** Compiled patterns, case-folded ones apart: keyed by the pattern as written. */
const matchers = { folded: new Map<string, Matcher>(), exact: new Map<string, Matcher>() };

function compile(folded: string): Matcher {
  const units = !SURROGATE.test(folded);
  // A run of `*` alone matches every string.
  if (/^\*+$/.test(folded)) return { kind: 'anything' };
  if (units && !folded.includes('?')) {
    const star = folded.indexOf('*');
    // Without surrogates, comparing code units compares code points (a pair is never cut).
    if (star === -1) return { kind: 'exact', text: folded };
    if (star === folded.length - 1) return { kind: 'prefix', prefix: folded.slice(0, -1) };
  }
  return { kind: 'glob', units, pattern: folded, points: units ? [] : [...folded] };
}

function matcherOf(pattern: string, caseInsensitive: boolean): Matcher {
  const cache = caseInsensitive ? matchers.folded : matchers.exact;
  let matcher = cache.get(pattern);
  if (!matcher) {
    matcher = compile(caseInsensitive ? pattern.toLowerCase() : pattern);
    if (cache.size >= MATCHER_CACHE_SIZE) cache.clear();
    cache.set(pattern, matcher);
  }
  return matcher;
}

/**
 * Glob matching in O(pattern × text) at worst: on a mismatch only the last `*` needs to take one
 * more character (any earlier choice is covered by it), so there is no exponential backtracking.
 */
function wildcardMatch(pattern: ArrayLike<string>, text: ArrayLike<string>): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    const token = p < pattern.length ? pattern[p] : undefined;
    if (token === '*') {
      star = p;
      p += 1;
      resume = t;
    } else if (token !== undefined && (token === '?' || token === text[t])) {
      p += 1;
      t += 1;
    } else if (star >= 0) {
      p = star + 1;
      resume += 1;
      t = resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p += 1;
  return p === pattern.length;
}

/** Whether `text` matches the glob `pattern` (one literal target: always decided). */
export function globMatches(pattern: string, text: string, caseInsensitive = true): boolean {
  const matcher = matcherOf(pattern, caseInsensitive);
  if (matcher.kind === 'anything') return true;
  const folded = caseInsensitive ? text.toLowerCase() : text;
  switch (matcher.kind) {
    case 'exact':
      return folded === matcher.text;
    case 'prefix':
      return folded.startsWith(matcher.prefix);
    case 'glob':
      // `?` is one code point: strings with surrogates are compared code point by code point.
      if (matcher.units && !SURROGATE.test(folded)) return wildcardMatch(matcher.pattern, folded);
      return wildcardMatch(matcher.units ? [...matcher.pattern] : matcher.points, [...folded]);
  }
}

/** Whether the glob has a wildcard at all. */
export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}
