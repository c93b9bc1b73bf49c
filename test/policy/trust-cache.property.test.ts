import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eksWebIdentityTrusts } from '#shared/policy/analysis.ts';
import { parsePolicyDocument } from '#shared/policy/document.ts';

const ISSUER = 'oidc.eks.eu-west-1.amazonaws.com/id/5C4B1A7D9E2F8A3B6C0D1E2F3A4B5C6D';
const sub = fc.constantFrom('system:serviceaccount:a:b', 'system:serviceaccount:a:*', 'system:serviceaccount:spark:emr-containers-sa-*', 'system:serviceaccount:a:default');
const statement = fc
  .record({
    operator: fc.constantFrom('StringEquals', 'StringLike', 'ForAnyValue:StringLike', 'StringNotEquals'),
    subs: fc.option(fc.array(sub, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    aud: fc.boolean(),
    action: fc.constantFrom('sts:AssumeRoleWithWebIdentity', 'sts:*', 'sts:AssumeRole'),
    effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
  })
  .map(({ operator, subs, aud, action, effect }) => {
    const blocks: Record<string, Record<string, string[]>> = {};
    if (subs) blocks[operator] = { [`${ISSUER}:sub`]: subs };
    if (aud) blocks.StringEquals = { ...(blocks.StringEquals ?? {}), [`${ISSUER}:aud`]: ['sts.amazonaws.com'] };
    return { Effect: effect, Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${ISSUER}` }, Action: action, ...(Object.keys(blocks).length > 0 ? { Condition: blocks } : {}) };
  });
const trust = fc.array(statement, { minLength: 1, maxLength: 3 }).map((statements) => ({ Version: '2012-10-17', Statement: statements }));

describe('IRSA trust analysis, answered once per document', () => {
  it('answers a document as a fresh copy of it is answered, every time it is asked', () => {
    fc.assert(
      fc.property(trust, (raw) => {
        // Prepare
        const document = parsePolicyDocument(raw);
        // Act
        const first = eksWebIdentityTrusts(document);
        const again = eksWebIdentityTrusts(document);
        // Assess: the same answer as a document never asked before.
        expect(again).toBe(first);
        expect(first).toEqual(eksWebIdentityTrusts(parsePolicyDocument(structuredClone(raw))));
      }),
      { numRuns: 500 },
    );
  });

  it('cannot be changed by one caller under the others', () => {
    const document = parsePolicyDocument({ Statement: { Effect: 'Allow', Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${ISSUER}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${ISSUER}:sub`]: 'system:serviceaccount:a:b' } } } });
    const trusts = eksWebIdentityTrusts(document);
    expect(Object.isFrozen(trusts)).toBe(true);
    expect(Object.isFrozen(trusts[0])).toBe(true);
    expect(Object.isFrozen(trusts[0]?.sub?.values)).toBe(true);
  });
});
