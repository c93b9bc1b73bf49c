import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#shared/config.ts';
import { eks1PublicEndpoint } from '#shared/rules/eks/eks-1-public-endpoint.ts';
import type { ClusterState } from '#shared/state/types.ts';

const ref = {
  kind: 'eks-cluster' as const,
  id: 'arn:aws:eks:eu-west-1:111122223333:cluster/prop',
  name: 'prop',
  accountId: '111122223333',
  region: 'eu-west-1',
  partition: 'aws',
  attrs: { clusterName: 'prop' },
};

function judge(state: Omit<ClusterState, 'clusterName'>, allowed: string[] = []) {
  return eks1PublicEndpoint.evaluate({ kind: 'eks-cluster', ref, state: { clusterName: 'prop', ...state } }, { config: parseConfig({ allowedPublicAccessCidrs: allowed }) });
}

const address = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
const dotted = (octets: readonly number[]) => octets.join('.');
const cidr = fc.tuple(address, fc.integer({ min: 1, max: 32 })).map(([octets, bits]) => `${dotted(octets)}/${bits}`);

/** The network `bits` long that contains `octets`, written canonically. */
function networkOf(octets: readonly number[], bits: number): string {
  const value = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  const base = bits === 0 ? 0 : Math.floor(value / 2 ** (32 - bits)) * 2 ** (32 - bits);
  return `${dotted([24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256))}/${bits}`;
}

describe('EKS.1 properties', () => {
  it('fails a public endpoint open to 0.0.0.0/0, whatever else it lists or allows', () => {
    fc.assert(
      fc.property(fc.array(cidr, { maxLength: 5 }), fc.array(cidr, { maxLength: 3 }), fc.boolean(), (others, allowed, privateAccess) => {
        const verdict = judge({ endpointPublicAccess: true, endpointPrivateAccess: privateAccess, publicAccessCidrs: [...others, '0.0.0.0/0'] }, allowed);
        expect(verdict.status).toBe('FAILED');
      }),
      { numRuns: 500 },
    );
  });

  it('passes a public CIDR inside an allow-listed one, with private access on', () => {
    fc.assert(
      fc.property(address, fc.integer({ min: 1, max: 32 }), fc.integer({ min: 0, max: 31 }), (octets, outer, extra) => {
        const inner = Math.min(32, outer + extra);
        const verdict = judge(
          { endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: [networkOf(octets, inner)] },
          [networkOf(octets, outer)],
        );
        expect(verdict.status).toBe('PASSED');
      }),
      { numRuns: 500 },
    );
  });

  it('never passes with private access off, and never reads when the event already decides', () => {
    fc.assert(
      fc.property(fc.option(fc.boolean(), { nil: undefined }), fc.option(fc.array(cidr, { maxLength: 3 }), { nil: undefined }), (publicAccess, cidrs) => {
        const verdict = judge({ endpointPublicAccess: publicAccess, endpointPrivateAccess: false, publicAccessCidrs: cidrs });
        expect(verdict.status).toBe('FAILED');
      }),
      { numRuns: 300 },
    );
  });
});
