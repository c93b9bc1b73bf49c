import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Budget, coversLanguage, globMatches, intersectsLanguage, type Part } from '#shared/policy/glob.ts';
import { referenceExplore, referenceGlobMatches } from './glob-reference.ts';

// Few characters, so that patterns and texts meet often; upper case for folding, an astral
// character (two code units) for `?`, which matches one code point.
const char = fc.constantFrom('i', 'a', 'm', ':', 'x', 'I', 'A', '*', '?', '😀', 'é');
const textChar = fc.constantFrom('i', 'a', 'm', ':', 'x', 'I', 'A', '*', '?', '😀', 'é', '\uD83D');
const pattern = fc.oneof(
  fc.array(char, { maxLength: 10 }).map((chars) => chars.join('')),
  // The shapes policies use most, which take the short paths.
  fc.constantFrom('*', '**', 'iam:*', 'IAM:*', 'iam:Get*', 'sts:AssumeRole', 'iam:?*', '', '😀*', 'a\uD83D*'),
);
const text = fc.oneof(
  fc.array(textChar, { maxLength: 12 }).map((chars) => chars.join('')),
  fc.constantFrom('iam:GetRole', 'sts:AssumeRole', 'IAM:PassRole', '😀x', ''),
);

const part: fc.Arbitrary<Part> = fc.oneof(
  fc.array(fc.constantFrom('i', 'a', 'm', ':', 'I', '😀'), { minLength: 1, maxLength: 4 }).map((chars) => ({ literal: chars.join('') })),
  fc.constantFrom<Part>({ any: 'one-or-more' }, { any: 'field' }, { any: 'field-or-empty' }),
);
const target = fc.array(part, { minLength: 1, maxLength: 5 });
const question = fc.record({
  patterns: fc.array(pattern, { minLength: 1, maxLength: 4 }),
  target,
  mode: fc.constantFrom('covers' as const, 'intersects' as const),
  caseInsensitive: fc.boolean(),
  whenUndecided: fc.boolean(),
});

describe('single-string matching agrees with the automaton it replaced', () => {
  it('answers as the reference does, case-folded or not, first time and from the cache', () => {
    fc.assert(
      fc.property(pattern, text, fc.boolean(), (glob, value, caseInsensitive) => {
        // Prepare
        const expected = referenceGlobMatches(glob, value, caseInsensitive);
        // Act
        const first = globMatches(glob, value, caseInsensitive);
        const again = globMatches(glob, value, caseInsensitive);
        // Assess
        expect(first).toBe(expected);
        expect(again).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('stays linear on patterns that make a backtracking matcher explode', () => {
    const glob = `${'*a'.repeat(30)}*b`;
    expect(globMatches(glob, 'a'.repeat(5000))).toBe(false);
    expect(globMatches(glob, `${'a'.repeat(5000)}b`)).toBe(true);
  });
});

describe('language questions agree with the walk they replaced, budget included', () => {
  it('gives the same answers and leaves the same shared budget over a run of questions', () => {
    fc.assert(
      fc.property(fc.array(question, { minLength: 1, maxLength: 6 }), fc.nat(60), fc.boolean(), (questions, states, twice) => {
        // Prepare: one budget for the run (as adminGrants shares one), possibly too small.
        const budget: Budget = { states };
        const referenceBudget: Budget = { states };
        // Asked twice, the second round is answered from the cache.
        for (const ask of twice ? [...questions, ...questions] : questions) {
          // Act
          const answer = (ask.mode === 'covers' ? coversLanguage : intersectsLanguage)(ask.patterns, ask.target, { ...ask, budget });
          // Assess
          const expected = referenceExplore(ask.patterns, ask.target, ask.mode, ask.caseInsensitive, referenceBudget) ?? ask.whenUndecided;
          expect(answer).toBe(expected);
          expect(budget.states).toBe(referenceBudget.states);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('stays undecided on a crafted pattern list, as the walk did', () => {
    const patterns = Array.from({ length: 12 }, (_, index) => `*a${index}*b${index}*`);
    const allActions: Part[] = [{ any: 'field' }, { literal: ':' }, { any: 'one-or-more' }];
    for (const whenUndecided of [true, false]) {
      const budget: Budget = { states: 50 };
      const referenceBudget: Budget = { states: 50 };
      expect(coversLanguage(patterns, allActions, { whenUndecided, budget })).toBe(whenUndecided);
      expect(referenceExplore(patterns, allActions, 'covers', true, referenceBudget)).toBeUndefined();
      expect(budget.states).toBe(referenceBudget.states);
    }
  });
});
