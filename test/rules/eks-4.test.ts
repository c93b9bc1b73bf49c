import { EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { evaluateEvent, loadEvent, verdictOf } from '../support/pipeline.ts';

const eks = mockClient(EKSClient);
const EKS = { service: 'eks' } as const;

beforeEach(() => {
  eks.reset();
});

describe('EKS.4', () => {
  it.each([
    ['eks-4/CreateCluster.fail.config-map.json', 'FAILED', 'MEDIUM', 'legacy-apps', /^EKS cluster legacy-apps manages access with the aws-auth ConfigMap \(authentication mode CONFIG_MAP\)\./],
    ['eks-4/CreateCluster.pass.api.json', 'PASSED', 'MEDIUM', 'platform-prod', /^EKS cluster platform-prod manages access with access entries only \(authentication mode API\)\./],
    ['eks-4/UpdateClusterConfig.fail.api-and-config-map.json', 'FAILED', 'LOW', 'legacy-apps', /still accepts identities from the aws-auth ConfigMap \(authentication mode API_AND_CONFIG_MAP\)\./],
    ['eks-4/UpdateClusterConfig.pass.api.json', 'PASSED', 'MEDIUM', 'legacy-apps', /authentication mode API\)\./],
    // No accessConfig and no response: the API default for SDK callers, CONFIG_MAP.
    ['eks-1/CreateCluster.fail.request-defaults.json', 'FAILED', 'MEDIUM', 'sandbox-1', /authentication mode CONFIG_MAP/],
  ])('%s → %s %s', async (fixture, status, severity, cluster, summary) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), EKS);

    // Assess
    const verdict = verdictOf(outcome, 'EKS.4');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe(severity);
    expect(verdict?.resourceId).toBe(`arn:aws:eks:eu-west-1:111122223333:cluster/${cluster}`);
    expect(verdict?.description).toMatch(summary);
  });

  it('lets configuration raise the LOW verdict of API_AND_CONFIG_MAP', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-4/UpdateClusterConfig.fail.api-and-config-map.json'), {
      ...EKS,
      config: { severityOverrides: { 'EKS.4': 'HIGH' } },
    });

    // Assess
    expect(verdictOf(outcome, 'EKS.4')?.severity).toBe('HIGH');
  });

  it.each(['eks-1/UpdateClusterConfig.fail.open-to-internet.json', 'eks-2/UpdateClusterConfig.pass.enable-required.json'])(
    'gives no finding and reads nothing for %s, which leaves the mode as it was',
    async (fixture) => {
      // Act
      const outcome = await evaluateEvent(loadEvent(fixture), { ...EKS, live: true, config: { disabledRules: ['EKS.1'] } });

      // Assess
      expect(verdictOf(outcome, 'EKS.4')).toBeUndefined();
      expect(eks.calls()).toHaveLength(0);
    },
  );
});
