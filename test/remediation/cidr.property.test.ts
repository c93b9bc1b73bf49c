import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrContains, restrictCidrs } from '#shared/remediation/cidr.ts';

/** IPv4 CIDRs drawn from a small address space, so that lists overlap often. */
const cidr = fc
  .tuple(fc.constantFrom(10, 192, 203), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 32 }))
  .map(([a, b, c, d, prefix]) => `${a}.${b}.${c}.${d}/${prefix}`);
const cidrs = fc.array(cidr, { minLength: 1, maxLength: 6 });

describe('restrictCidrs (EKS.1): the public endpoint is restricted, never widened', () => {
  it('lets in only addresses that both the current list and the allow-list let in', () => {
    fc.assert(
      fc.property(cidrs, cidrs, (current, allowList) => {
        // Act
        const restricted = restrictCidrs(current, allowList);

        // Assess
        for (const kept of restricted) {
          expect(current.some((open) => cidrContains(open, kept))).toBe(true);
          expect(allowList.some((allowed) => cidrContains(allowed, kept))).toBe(true);
        }
        expect(new Set(restricted).size).toBe(restricted.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the whole allow-list for an endpoint open to the internet', () => {
    // An allow-list entry of /0 is itself "the internet" (the configuration refuses 0.0.0.0/0 only as written).
    const narrow = fc.array(cidr.filter((value) => !value.endsWith('/0')), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(narrow, (allowList) => {
        expect(restrictCidrs(['0.0.0.0/0'], allowList)).toEqual([...new Set(allowList)]);
      }),
    );
  });
});
