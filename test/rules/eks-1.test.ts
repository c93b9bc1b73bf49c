import { AccessDeniedException, DescribeClusterCommand, type DescribeClusterResponse, EKSClient, ResourceNotFoundException, ThrottlingException } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { eksFixture } from '../fixtures/eks/live.ts';
import { evaluateEvent, loadEvent, testPipeline, verdictOf, verdicts } from '../support/pipeline.ts';

const eks = mockClient(EKSClient);

/** The eks function's scope, as deployed. */
const EKS = { service: 'eks' } as const;
const clusterArn = (name: string) => `arn:aws:eks:eu-west-1:111122223333:cluster/${name}`;
const described = (name: string) => eksFixture<DescribeClusterResponse>(`describe-cluster.${name}`);

beforeEach(() => {
  eks.reset();
});

describe('EKS.1 decided from the event alone', () => {
  it.each([
    ['CreateCluster.fail.public-cidr.json', 'FAILED', undefined, 'analytics-prod', /^EKS cluster analytics-prod allows public access to its API server endpoint from 0\.0\.0\.0\/0 and has private endpoint access turned off\./],
    ['CreateCluster.fail.request-defaults.json', 'FAILED', undefined, 'sandbox-1', /^EKS cluster sandbox-1 allows public access .* from 0\.0\.0\.0\/0 and has private endpoint access turned off\./],
    ['CreateCluster.pass.private-only.json', 'PASSED', 'RESOLVED', 'payments-prod', /^EKS cluster payments-prod serves its API server endpoint privately only\./],
    ['CreateCluster.pass.restricted-cidrs.json', 'PASSED', 'RESOLVED', 'ml-staging', /only from 203\.0\.113\.0\/24 and 198\.51\.100\.16\/28, and private access is on\./],
    ['UpdateClusterConfig.fail.open-to-internet.json', 'FAILED', undefined, 'payments-prod', /^EKS cluster payments-prod allows public access to its API server endpoint from 0\.0\.0\.0\/0\./],
    ['UpdateClusterConfig.fail.private-off.json', 'FAILED', undefined, 'ml-staging', /^EKS cluster ml-staging has private endpoint access turned off\./],
    ['UpdateClusterConfig.pass.private-only.json', 'PASSED', 'RESOLVED', 'analytics-prod', /^EKS cluster analytics-prod serves its API server endpoint privately only\./],
  ])('%s → %s', async (fixture, status, workflow, cluster, summary) => {
    // Prepare
    const event = loadEvent(`eks-1/${fixture}`);

    // Act
    const outcome = await evaluateEvent(event, EKS);

    // Assess
    const verdict = verdictOf(outcome, 'EKS.1');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('HIGH');
    expect(verdict?.workflow).toBe(workflow);
    expect(verdict?.resourceId).toBe(clusterArn(cluster));
    expect(verdict?.description).toMatch(summary);
    expect(outcome.notEvaluated.filter((entry) => entry.ruleId === 'EKS.1')).toEqual([]);
  });

  it.each([
    [['203.0.113.0/24'], 'FAILED', /allows public access from 198\.51\.100\.16\/28, outside the allowed CIDRs\./],
    [['203.0.113.0/24', '198.51.100.0/24'], 'PASSED', /only from 203\.0\.113\.0\/24 and 198\.51\.100\.16\/28/],
    [['203.0.113.0/25', '198.51.100.16/28'], 'FAILED', /allows public access from 203\.0\.113\.0\/24, outside the allowed CIDRs\./],
  ])('judges the public CIDRs against allowedPublicAccessCidrs %j → %s', async (allowed, status, summary) => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-1/CreateCluster.pass.restricted-cidrs.json'), { ...EKS, config: { allowedPublicAccessCidrs: allowed } });

    // Assess
    const verdict = verdictOf(outcome, 'EKS.1');
    expect(verdict?.status).toBe(status);
    expect(verdict?.description).toMatch(summary);
  });

  it('names 0.0.0.0/0 once, as open, when an allow-list is configured', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-1/UpdateClusterConfig.fail.open-to-internet.json'), {
      ...EKS,
      config: { allowedPublicAccessCidrs: ['203.0.113.0/24'] },
    });

    // Assess
    expect(verdictOf(outcome, 'EKS.1')?.description).toMatch(/^EKS cluster payments-prod allows public access to its API server endpoint from 0\.0\.0\.0\/0\. /);
  });

  it('ignores the failed call (InvalidParameterException)', () => {
    // Act
    const parsed = testPipeline(EKS).parse(loadEvent('eks-1/UpdateClusterConfig.skip.failed-call.json'));

    // Assess
    expect(parsed).toMatchObject({ ok: false, reason: 'failed-call', detail: 'call failed with InvalidParameterException' });
  });

  it('archives the cluster\'s findings on DeleteCluster', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-1/DeleteCluster.archive.json'), { ...EKS, live: true });

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.archives.map((archive) => archive.ref.id)).toEqual([clusterArn('analytics-prod')]);
    expect(eks.calls()).toHaveLength(0);
  });
});

describe('EKS.1 on updates that do not touch the endpoint', () => {
  it.each(['eks-2/UpdateClusterConfig.pass.enable-required.json', 'eks-4/UpdateClusterConfig.pass.api.json'])(
    '%s gives no EKS.1 finding and no read',
    async (fixture) => {
      // Act
      const outcome = await evaluateEvent(loadEvent(fixture), { ...EKS, live: true });

      // Assess
      expect(verdictOf(outcome, 'EKS.1')).toBeUndefined();
      expect(outcome.notEvaluated.filter((entry) => entry.ruleId === 'EKS.1' && entry.readers.length > 0)).toEqual([]);
      expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(0);
    },
  );
});

describe('EKS.1 on a partial resourcesVpcConfig (only publicAccessCidrs)', () => {
  const fixture = 'eks-1/UpdateClusterConfig.needs-live.partial-cidrs.json';

  it('is not evaluated offline: it needs eks:DescribeCluster, never a guess', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), EKS);

    // Assess
    expect(verdictOf(outcome, 'EKS.1')).toBeUndefined();
    expect(outcome.notEvaluated.find((entry) => entry.ruleId === 'EKS.1')).toMatchObject({ reason: 'offline', readers: ['eks:DescribeCluster'] });
  });

  it.each([
    ['analytics-prod.public-and-private', 'FAILED', undefined, /from 0\.0\.0\.0\/0\./],
    ['analytics-prod.private-only', 'PASSED', 'RESOLVED', /serves its API server endpoint privately only\./],
    ['analytics-prod.exempt', 'FAILED', 'SUPPRESSED', /from 0\.0\.0\.0\/0\./],
  ])('reads the cluster (%s) and lays the new CIDRs over it → %s', async (live, status, workflow, summary) => {
    // Prepare
    eks.on(DescribeClusterCommand).resolves(described(live));

    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), { ...EKS, live: true });

    // Assess
    const verdict = verdictOf(outcome, 'EKS.1');
    expect(verdict?.status).toBe(status);
    expect(verdict?.workflow).toBe(workflow);
    expect(verdict?.description).toMatch(summary);
    const calls = eks.commandCalls(DescribeClusterCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({ name: 'analytics-prod' });
  });

  it('archives when the cluster is gone (ResourceNotFoundException)', async () => {
    // Prepare
    eks.on(DescribeClusterCommand).rejects(new ResourceNotFoundException({ message: 'No cluster found for name: analytics-prod.', $metadata: {} }));

    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), { ...EKS, live: true });

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.archives.map((archive) => archive.ref.id)).toEqual([clusterArn('analytics-prod')]);
  });

  it('is not evaluated, never PASSED, when the read is denied', async () => {
    // Prepare
    eks.on(DescribeClusterCommand).rejects(new AccessDeniedException({ message: 'not authorized to perform: eks:DescribeCluster', $metadata: {} }));

    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), { ...EKS, live: true });

    // Assess
    expect(verdictOf(outcome, 'EKS.1')?.status).toBe('NOT_AVAILABLE');
    expect(outcome.notEvaluated.find((entry) => entry.ruleId === 'EKS.1')).toMatchObject({ reason: 'access-denied', readers: ['eks:DescribeCluster'] });
  });

  it('lets a transient error through, so the event is retried', async () => {
    // Prepare
    eks.on(DescribeClusterCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));

    // Act / Assess
    await expect(evaluateEvent(loadEvent(fixture), { ...EKS, live: true })).rejects.toThrow('Rate exceeded');
  });
});
