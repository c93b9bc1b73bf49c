import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ASFF_LIMITS, findingId, fitFinding, jsonSizeBound } from '#shared/findings/asff.ts';
import { importBatches, SECURITY_HUB_LIMITS } from '#shared/findings/securityhub.ts';
import type { AwsSecurityFinding } from '#shared/findings/types.ts';

// Every UTF-16 unit: control characters (escaped as \u00XX), lone surrogates, multi-byte ones.
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const text = fc.oneof(fc.string({ unit: anyUnit, maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** A long run of one character: findings near and past the size limits without generating MBs. */
const bulk = (maxLength: number) => fc.tuple(fc.constantFrom('a', 'é', '\u0001', '😀', '"'), fc.nat(maxLength)).map(([char, count]) => char.repeat(count));

function findingWith(details: string, id: string): AwsSecurityFinding {
  return {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: 'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default',
    GeneratorId: 'vigil/EKS.1',
    AwsAccountId: '111122223333',
    CreatedAt: '2025-03-10T09:00:00.000Z',
    UpdatedAt: '2025-03-10T09:00:00.000Z',
    Types: ['Software and Configuration Checks/AWS Security Best Practices'],
    Description: 'EKS cluster prod-1 allows public access.',
    Title: 'EKS.1 EKS cluster endpoint is not public',
    ProductFields: { 'vigil/RuleId': 'EKS.1' },
    Resources: [{ Type: 'AwsEksCluster', Id: `arn:aws:eks:eu-west-1:111122223333:cluster/${id}`, Details: { Other: { configuration: details } }, Tags: { team: 'a' } }],
    Compliance: { Status: 'FAILED' },
  };
}

/** fitFinding as it was, serialising every finding. */
function referenceFit(finding: AwsSecurityFinding): AwsSecurityFinding {
  const size = (value: AwsSecurityFinding) => Buffer.byteLength(JSON.stringify(value));
  if (size(finding) <= ASFF_LIMITS.findingBytes) return finding;
  const resources = (finding.Resources ?? []).map((resource) => {
    const { Details: _details, Tags: _tags, ...rest } = resource;
    return rest;
  });
  const trimmed: AwsSecurityFinding = { ...finding, Resources: resources };
  if (size(trimmed) <= ASFF_LIMITS.findingBytes) return trimmed;
  return { ...trimmed, ProductFields: { 'vigil/RuleId': finding.ProductFields?.['vigil/RuleId'] ?? '' } };
}

/** importBatches as it was, serialising every finding. */
function referenceBatches(findings: readonly AwsSecurityFinding[]): AwsSecurityFinding[][] {
  const envelope = Buffer.byteLength('{"Findings":[]}');
  const batches: AwsSecurityFinding[][] = [];
  let current: AwsSecurityFinding[] = [];
  let total = envelope;
  for (const finding of findings) {
    const size = bytes(finding) + 1;
    if (current.length > 0 && (current.length >= SECURITY_HUB_LIMITS.findingsPerImport || total + size > SECURITY_HUB_LIMITS.bytesPerImport)) {
      batches.push(current);
      current = [];
      total = envelope;
    }
    current.push(finding);
    total += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

describe('the JSON size bound', () => {
  it('is never below the serialised size, and gives up past its limit', () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, text, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(text, tie('node'), { maxKeys: 4 })),
    })).node;
    fc.assert(
      fc.property(value, fc.nat(400), (item, limit) => {
        const bound = jsonSizeBound(item, limit);
        if (bound !== undefined) {
          expect(bound).toBeGreaterThanOrEqual(bytes(item));
          expect(bound).toBeLessThanOrEqual(limit);
        }
        if (bytes(item) > limit) expect(bound).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('gives up on what JSON.stringify would treat specially', () => {
    expect(jsonSizeBound({ at: new Date(0) }, 1000)).toBeUndefined();
    expect(jsonSizeBound({ toJSON: () => 'x' }, 1000)).toBeUndefined();
    expect(jsonSizeBound([1n], 1000)).toBeUndefined();
  });
});

describe('sizes decided without serialising agree with serialising', () => {
  it('fits a finding as before, under, near and over the limit', () => {
    fc.assert(
      fc.property(bulk(300_000), (details) => {
        const finding = findingWith(details, 'prod-1');
        expect(fitFinding(finding)).toEqual(referenceFit(finding));
      }),
      { numRuns: 60 },
    );
  });

  it('splits imports as before, by count and by size', () => {
    const sizes = fc.oneof(fc.array(bulk(3_000), { maxLength: 250 }), fc.array(bulk(2_000_000), { maxLength: 8 }));
    fc.assert(
      fc.property(sizes, (details) => {
        const findings = details.map((item, index) => findingWith(item, `c-${index}`));
        expect(importBatches(findings)).toEqual(referenceBatches(findings));
      }),
      { numRuns: 40 },
    );
  });

  it('derives finding Ids from the same digest as a hash stream', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (resourceId) => {
        const digest = createHash('sha256').update(resourceId).digest('hex').slice(0, 40);
        expect(findingId('111122223333', 'eu-west-1', 'EKS.1', resourceId)).toBe(`vigil/eu-west-1/111122223333/EKS.1/${digest}`);
      }),
      { numRuns: 500 },
    );
  });
});
