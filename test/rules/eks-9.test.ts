import { DescribeClusterCommand, type DescribeClusterResponse, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { eksFixture } from '../fixtures/eks/live.ts';
import { evaluateEvent, loadEvent, verdictOf } from '../support/pipeline.ts';

const eks = mockClient(EKSClient);
const EKS = { service: 'eks' } as const;

function requestOf(event: Record<string, unknown>): Record<string, unknown> {
  return (event.detail as { requestParameters: Record<string, unknown> }).requestParameters;
}

beforeEach(() => {
  eks.reset();
});

describe('EKS.9', () => {
  it.each([
    ['CreateCluster.fail.outdated-version.json', 'FAILED', 'reporting-legacy', /^EKS cluster reporting-legacy runs Kubernetes 1\.29, below the minimum supported version 1\.31\./],
    ['CreateCluster.pass.supported-version.json', 'PASSED', 'reporting-prod', /^EKS cluster reporting-prod runs Kubernetes 1\.32, at or above 1\.31\./],
    ['UpdateClusterVersion.pass.minimum-version.json', 'PASSED', 'reporting-legacy', /runs Kubernetes 1\.31, at or above 1\.31\./],
    ['UpdateClusterVersion.fail.below-minimum.json', 'FAILED', 'reporting-legacy', /runs Kubernetes 1\.30, below the minimum supported version 1\.31\./],
  ])('%s → %s', async (fixture, status, cluster, summary) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(`eks-9/${fixture}`), EKS);

    // Assess
    const verdict = verdictOf(outcome, 'EKS.9');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('MEDIUM');
    expect(verdict?.resourceId).toBe(`arn:aws:eks:eu-west-1:111122223333:cluster/${cluster}`);
    expect(verdict?.description).toMatch(summary);
  });

  it.each([
    ['1.10', '1.9', 'PASSED'],
    ['1.9', '1.10', 'FAILED'],
    ['1.31', '1.32', 'FAILED'],
    ['2.0', '1.40', 'PASSED'],
  ])('compares minor versions as numbers: %s against minimum %s → %s', async (version, minKubernetesVersion, status) => {
    // Prepare
    const event = loadEvent('eks-9/UpdateClusterVersion.pass.minimum-version.json');
    requestOf(event).version = version;

    // Act
    const outcome = await evaluateEvent(event, { ...EKS, config: { minKubernetesVersion } });

    // Assess
    expect(verdictOf(outcome, 'EKS.9')?.status).toBe(status);
  });

  it('reads the version a CreateCluster without version and response got (the latest)', async () => {
    // Prepare
    const event = loadEvent('eks-1/CreateCluster.fail.request-defaults.json');
    delete requestOf(event).version;
    eks.on(DescribeClusterCommand).resolves(eksFixture<DescribeClusterResponse>('describe-cluster.batch-dev.audit-log-only'));

    // Act
    const offline = await evaluateEvent(event, EKS);
    const outcome = await evaluateEvent(event, { ...EKS, live: true, config: { disabledRules: ['EKS.1', 'EKS.2', 'EKS.3', 'EKS.4', 'EKS.5'] } });

    // Assess
    expect(offline.notEvaluated.find((entry) => entry.ruleId === 'EKS.9')).toMatchObject({ reason: 'offline', readers: ['eks:DescribeCluster'] });
    expect(verdictOf(outcome, 'EKS.9')?.description).toMatch(/^EKS cluster sandbox-1 runs Kubernetes 1\.32, at or above 1\.31\./);
    expect(eks.commandCalls(DescribeClusterCommand).map((call) => call.args[0].input)).toEqual([{ name: 'sandbox-1' }]);
  });
});
