import { DescribeClusterCommand, type DescribeClusterResponse, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { eksFixture } from '../fixtures/eks/live.ts';
import { evaluateEvent, loadEvent, verdictOf } from '../support/pipeline.ts';

const eks = mockClient(EKSClient);
const EKS = { service: 'eks' } as const;
const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';

beforeEach(() => {
  eks.reset();
});

describe('EKS.3', () => {
  it.each([
    ['CreateCluster.fail.no-encryption.json', 'FAILED', 'web-dev', /^EKS cluster web-dev does not envelope-encrypt Kubernetes secrets with a KMS key\./],
    ['CreateCluster.pass.kms-secrets.json', 'PASSED', 'web-prod', new RegExp(`^EKS cluster web-prod envelope-encrypts Kubernetes secrets with KMS key ${KEY}\\.`)],
    ['AssociateEncryptionConfig.pass.kms-secrets.json', 'PASSED', 'web-dev', /^EKS cluster web-dev envelope-encrypts Kubernetes secrets/],
  ])('%s → %s', async (fixture, status, cluster, summary) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(`eks-3/${fixture}`), EKS);

    // Assess
    const verdict = verdictOf(outcome, 'EKS.3');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('MEDIUM');
    expect(verdict?.resourceId).toBe(`arn:aws:eks:eu-west-1:111122223333:cluster/${cluster}`);
    expect(verdict?.description).toMatch(summary);
  });

  it('falls back to the API default (no encryption) for a CreateCluster without its response', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-1/CreateCluster.fail.request-defaults.json'), EKS);

    // Assess
    expect(verdictOf(outcome, 'EKS.3')?.status).toBe('FAILED');
  });

  it('reads the cluster when AssociateEncryptionConfig names no secrets key', async () => {
    // Prepare
    const event = loadEvent('eks-3/AssociateEncryptionConfig.pass.kms-secrets.json');
    ((event.detail as { requestParameters: Record<string, unknown> }).requestParameters).encryptionConfig = [];
    eks.on(DescribeClusterCommand).resolves(eksFixture<DescribeClusterResponse>('describe-cluster.batch-dev.audit-authenticator-logs'));

    // Act
    const offline = await evaluateEvent(event, EKS);
    const outcome = await evaluateEvent(event, { ...EKS, live: true });

    // Assess
    expect(offline.notEvaluated.find((entry) => entry.ruleId === 'EKS.3')).toMatchObject({ reason: 'offline', readers: ['eks:DescribeCluster'] });
    expect(verdictOf(outcome, 'EKS.3')?.status).toBe('PASSED');
    expect(eks.commandCalls(DescribeClusterCommand).map((call) => call.args[0].input)).toEqual([{ name: 'web-dev' }]);
  });
});
