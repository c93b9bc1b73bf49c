import { DescribeAddonCommand, type DescribeAddonResponse, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { eksFixture } from '../fixtures/eks/live.ts';
import { evaluateEvent, loadEvent, verdictOf, verdicts } from '../support/pipeline.ts';

const eks = mockClient(EKSClient);
const EKS = { service: 'eks' } as const;
const addonArn = (cluster: string, addon: string) => `arn:aws:eks:eu-west-1:111122223333:addon/${cluster}/${addon}`;

function withConfigurationValues(fixture: string, text: string): Record<string, unknown> {
  const event = loadEvent(fixture);
  (event.detail as { requestParameters: Record<string, unknown> }).requestParameters.configurationValues = text;
  return event;
}

beforeEach(() => {
  eks.reset();
});

describe('EKS.8 decided from the event alone', () => {
  it.each([
    ['CreateAddon.pass.json-network-policy.json', 'PASSED', 'payments-prod', /^EKS add-on payments-prod\/vpc-cni enforces Kubernetes NetworkPolicy\./],
    ['CreateAddon.pass.yaml-network-policy.json', 'PASSED', 'batch-prod', /^EKS add-on batch-prod\/vpc-cni enforces Kubernetes NetworkPolicy\./],
    ['CreateAddon.fail.no-configuration.json', 'FAILED', 'batch-dev', /^EKS add-on batch-dev\/vpc-cni does not enforce Kubernetes NetworkPolicy \(enableNetworkPolicy is not set\)\./],
    ['UpdateAddon.fail.network-policy-false.json', 'FAILED', 'payments-prod', /does not enforce Kubernetes NetworkPolicy \(enableNetworkPolicy is "false"\)\./],
  ])('%s → %s', async (fixture, status, cluster, summary) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(`eks-8/${fixture}`), EKS);

    // Assess
    const verdict = verdictOf(outcome, 'EKS.8');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('LOW');
    expect(verdict?.resourceId).toBe(addonArn(cluster, 'vpc-cni'));
    expect(verdict?.description).toMatch(summary);
    expect(outcome.notEvaluated).toEqual([]);
  });

  it.each([
    ['enableNetworkPolicy: true\n', 'PASSED'],
    ['{"enableNetworkPolicy": true}', 'PASSED'],
    ['{"enableNetworkPolicy": "TRUE"}', 'FAILED'],
    ['env:\n  ENABLE_NETWORK_POLICY: "true"\n', 'FAILED'],
  ])('reads configurationValues %j → %s', async (text, status) => {
    // Act
    const outcome = await evaluateEvent(withConfigurationValues('eks-8/UpdateAddon.fail.network-policy-false.json', text), EKS);

    // Assess
    expect(verdictOf(outcome, 'EKS.8')?.status).toBe(status);
  });

  it('does not judge other add-ons (coredns)', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-8/CreateAddon.skip.not-vpc-cni.json'), { ...EKS, live: true });

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(eks.calls()).toHaveLength(0);
  });

  it('archives the add-on\'s findings on DeleteAddon', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-8/DeleteAddon.archive.json'), EKS);

    // Assess
    expect(outcome.archives.map((archive) => archive.ref.id)).toEqual([addonArn('batch-dev', 'vpc-cni')]);
  });
});

describe('EKS.8 on an UpdateAddon without configurationValues (the add-on keeps its configuration)', () => {
  const fixture = 'eks-8/UpdateAddon.needs-live.no-configuration-values.json';

  it('is not evaluated offline', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), EKS);

    // Assess
    expect(verdictOf(outcome, 'EKS.8')).toBeUndefined();
    expect(outcome.notEvaluated.find((entry) => entry.ruleId === 'EKS.8')).toMatchObject({ reason: 'offline', readers: ['eks:DescribeAddon'] });
  });

  it.each([
    ['batch-prod.network-policy', 'PASSED'],
    ['batch-prod.defaults', 'FAILED'],
  ])('reads the add-on (%s) → %s', async (live, status) => {
    // Prepare
    eks.on(DescribeAddonCommand).resolves(eksFixture<DescribeAddonResponse>(`describe-addon.${live}`));

    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), { ...EKS, live: true });

    // Assess
    const verdict = verdictOf(outcome, 'EKS.8');
    expect(verdict?.status).toBe(status);
    expect(verdict?.resourceId).toBe(addonArn('batch-prod', 'vpc-cni'));
    expect(eks.commandCalls(DescribeAddonCommand).map((call) => call.args[0].input)).toEqual([{ clusterName: 'batch-prod', addonName: 'vpc-cni' }]);
  });

  it('archives when the add-on is gone', async () => {
    // Prepare
    eks.on(DescribeAddonCommand).rejects(new ResourceNotFoundException({ message: 'No addon: vpc-cni found in cluster: batch-prod', $metadata: {} }));

    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), { ...EKS, live: true });

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.archives.map((archive) => archive.ref.id)).toEqual([addonArn('batch-prod', 'vpc-cni')]);
  });
});
