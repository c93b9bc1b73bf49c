import { DescribeClusterCommand, type DescribeClusterResponse, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EksLogType } from '#shared/state/types.ts';
import { eksFixture } from '../fixtures/eks/live.ts';
import { evaluateEvent, loadEvent, verdictOf, verdicts } from '../support/pipeline.ts';

const eks = mockClient(EKSClient);
const EKS = { service: 'eks' } as const;
const clusterArn = (name: string) => `arn:aws:eks:eu-west-1:111122223333:cluster/${name}`;

beforeEach(() => {
  eks.reset();
});

describe('EKS.2 decided from the event alone', () => {
  it.each([
    ['CreateCluster.fail.no-logging.json', 'FAILED', 'batch-dev', /^EKS cluster batch-dev has the api, audit and authenticator control-plane logs turned off\./],
    ['CreateCluster.pass.required-logs.json', 'PASSED', 'batch-prod', /^EKS cluster batch-prod sends the api, audit and authenticator control-plane logs to CloudWatch Logs\./],
    ['UpdateClusterConfig.fail.audit-disabled.json', 'FAILED', 'batch-prod', /^EKS cluster batch-prod has the audit control-plane log turned off\./],
    ['UpdateClusterConfig.pass.enable-required.json', 'PASSED', 'batch-dev', /^EKS cluster batch-dev sends the api, audit and authenticator control-plane logs/],
  ])('%s → %s', async (fixture, status, cluster, summary) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(`eks-2/${fixture}`), EKS);

    // Assess
    const verdict = verdictOf(outcome, 'EKS.2');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('MEDIUM');
    expect(verdict?.resourceId).toBe(clusterArn(cluster));
    expect(verdict?.description).toMatch(summary);
    expect(outcome.notEvaluated.filter((entry) => entry.ruleId === 'EKS.2')).toEqual([]);
  });

  it.each([
    [['audit'] as EksLogType[], 'PASSED'],
    [['api', 'scheduler'] as EksLogType[], 'FAILED'],
  ])('requires the configured log types %j → %s', async (requiredLogTypes, status) => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-2/CreateCluster.pass.required-logs.json'), { ...EKS, config: { requiredLogTypes } });

    // Assess
    expect(verdictOf(outcome, 'EKS.2')?.status).toBe(status);
  });

  it('gives no finding and reads nothing for an update that toggles no required type', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-2/UpdateClusterConfig.skip.scheduler-only.json'), { ...EKS, live: true });

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(eks.calls()).toHaveLength(0);
  });

  it('gives no finding for an endpoint update', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-1/UpdateClusterConfig.pass.private-only.json'), { ...EKS, live: true });

    // Assess
    expect(verdictOf(outcome, 'EKS.2')).toBeUndefined();
    expect(eks.calls()).toHaveLength(0);
  });
});

describe('EKS.2 on an update that enables only some required types', () => {
  const fixture = 'eks-2/UpdateClusterConfig.needs-live.enable-api.json';

  it('is not evaluated offline', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), EKS);

    // Assess
    expect(verdictOf(outcome, 'EKS.2')).toBeUndefined();
    expect(outcome.notEvaluated.find((entry) => entry.ruleId === 'EKS.2')).toMatchObject({ reason: 'offline', readers: ['eks:DescribeCluster'] });
  });

  it.each([
    ['batch-dev.audit-authenticator-logs', 'PASSED', /sends the api, audit and authenticator control-plane logs/],
    ['batch-dev.audit-log-only', 'FAILED', /^EKS cluster batch-dev has the authenticator control-plane log turned off\./],
  ])('reads the other types (%s) and keeps api from the event → %s', async (live, status, summary) => {
    // Prepare
    eks.on(DescribeClusterCommand).resolves(eksFixture<DescribeClusterResponse>(`describe-cluster.${live}`));

    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), { ...EKS, live: true });

    // Assess
    const verdict = verdictOf(outcome, 'EKS.2');
    expect(verdict?.status).toBe(status);
    expect(verdict?.description).toMatch(summary);
    expect(eks.commandCalls(DescribeClusterCommand).map((call) => call.args[0].input)).toEqual([{ name: 'batch-dev' }]);
  });
});
