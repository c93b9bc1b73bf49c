import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findingId } from '#shared/findings/asff.ts';

const account = fc.stringMatching(/^\d{12}$/);
const region = fc.stringMatching(/^[a-z]{2}(-gov|-iso|-isob)?-[a-z]{4,9}-\d$/);
const ruleId = fc.stringMatching(/^[A-Z]{2,4}\.\d{1,2}$/);
const resourceId = fc.oneof(fc.string({ minLength: 1, maxLength: 300 }), fc.webUrl(), fc.stringMatching(/^arn:aws:eks:[a-z0-9-]+:\d{12}:cluster\/[a-z0-9-]{1,40}$/));
const key = fc.tuple(account, region, ruleId, resourceId);

describe('findingId', () => {
  it('is deterministic and at most 512 characters', () => {
    fc.assert(
      fc.property(key, ([a, r, rule, resource]) => {
        const id = findingId(a, r, rule, resource);
        expect(findingId(a, r, rule, resource)).toBe(id);
        expect(id.length).toBeLessThanOrEqual(512);
        expect(id.startsWith('vigil/')).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('is distinct for distinct (account, region, rule, resource)', () => {
    fc.assert(
      fc.property(key, key, (first, second) => {
        fc.pre(first.join('\u0000') !== second.join('\u0000'));
        expect(findingId(...first)).not.toBe(findingId(...second));
      }),
      { numRuns: 2000 },
    );
  });

  it('changes with each component alone', () => {
    fc.assert(
      fc.property(key, fc.integer({ min: 0, max: 3 }), key, ([a, r, rule, resource], position, other) => {
        const changed: [string, string, string, string] = [a, r, rule, resource];
        changed[position] = other[position] as string;
        fc.pre(changed[position] !== [a, r, rule, resource][position]);
        expect(findingId(...changed)).not.toBe(findingId(a, r, rule, resource));
      }),
      { numRuns: 1000 },
    );
  });
});
