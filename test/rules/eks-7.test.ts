import type { ListVirtualClustersResponse } from '@aws-sdk/client-emr-containers';
import { beforeEach, describe, expect, it } from 'vitest';
import { eksFixture, mockListVirtualClusters } from '../fixtures/eks/live.ts';
import { evaluateEvent, loadEvent, verdictOf, verdicts } from '../support/pipeline.ts';

const emr = mockListVirtualClusters();
const EKS = { service: 'eks' } as const;
const page = (name: string) => eksFixture<ListVirtualClustersResponse>(`list-virtual-clusters.${name}`);

/** Two pages: spark-jobs and spark-adhoc are running on data-platform; the rest is terminated or another cluster's. */
function twoPages(): void {
  emr.pages(page('data-platform.page-1'), page('data-platform.page-2'));
}

beforeEach(() => {
  emr.reset();
});

describe('EKS.7 with the EMR on EKS namespaces read live', () => {
  it.each([
    [
      'AssociateAccessPolicy.fail.edit-emr-namespace.json',
      'FAILED',
      'arn:aws:iam::111122223333:role/spark-submitters/AmazonEKSEditPolicy',
      /^EKS cluster data-platform grants AmazonEKSEditPolicy to arn:aws:iam::111122223333:role\/spark-submitters in EMR on EKS namespace spark-jobs\./,
    ],
    [
      'AssociateAccessPolicy.fail.wildcard-namespace.json',
      'FAILED',
      'arn:aws:iam::111122223333:role/data-engineers/AmazonEKSAdminPolicy',
      /grants AmazonEKSAdminPolicy to arn:aws:iam::111122223333:role\/data-engineers in EMR on EKS namespaces spark-adhoc and spark-jobs\./,
    ],
    [
      'AssociateAccessPolicy.fail.cluster-scope-secret-reader.json',
      'FAILED',
      'arn:aws:iam::111122223333:role/support-engineers/AmazonEKSAdminViewPolicy',
      /grants AmazonEKSAdminViewPolicy to arn:aws:iam::111122223333:role\/support-engineers cluster-wide, including EMR on EKS namespaces spark-adhoc and spark-jobs\./,
    ],
    [
      'AssociateAccessPolicy.pass.other-namespace.json',
      'PASSED',
      'arn:aws:iam::111122223333:role/web-developers/AmazonEKSEditPolicy',
      /grants AmazonEKSEditPolicy to arn:aws:iam::111122223333:role\/web-developers outside the EMR on EKS namespaces\./,
    ],
  ])('%s → %s', async (fixture, status, resourceTail, summary) => {
    // Prepare
    twoPages();

    // Act
    const outcome = await evaluateEvent(loadEvent(`eks-7/${fixture}`), { ...EKS, live: true });

    // Assess
    const verdict = verdictOf(outcome, 'EKS.7');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('HIGH');
    expect(verdict?.resourceId).toBe(`arn:aws:eks:eu-west-1:111122223333:cluster/data-platform/access-policy/${resourceTail}`);
    expect(verdict?.description).toMatch(summary);
    expect(emr.inputs()).toEqual([
      { containerProviderId: 'data-platform', containerProviderType: 'EKS', states: ['RUNNING'], nextToken: undefined },
      { containerProviderId: 'data-platform', containerProviderType: 'EKS', states: ['RUNNING'], nextToken: 'eyJvZmZzZXQiOjJ9' },
    ]);
  });

  it('passes a cluster that runs no EMR on EKS virtual cluster', async () => {
    // Prepare
    emr.pages(page('empty'));

    // Act
    const outcome = await evaluateEvent(loadEvent('eks-7/AssociateAccessPolicy.fail.edit-emr-namespace.json'), { ...EKS, live: true });

    // Assess
    expect(verdictOf(outcome, 'EKS.7')?.description).toMatch(/^EKS cluster data-platform runs no EMR on EKS virtual cluster/);
    expect(verdictOf(outcome, 'EKS.7')?.status).toBe('PASSED');
  });

  it('passes an allow-listed administrator without reading', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-7/AssociateAccessPolicy.fail.cluster-scope-secret-reader.json'), {
      ...EKS,
      live: true,
      config: { adminPrincipalArns: ['arn:aws:iam::111122223333:role/support-engineers'] },
    });

    // Assess
    expect(verdictOf(outcome, 'EKS.7')?.status).toBe('PASSED');
    expect(emr.callCount()).toBe(0);
  });

  it('does not judge AmazonEKSViewPolicy, and reads nothing for it', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-6/AssociateAccessPolicy.skip.view-policy.json'), { ...EKS, live: true });

    // Assess
    expect(verdicts(outcome).map((row) => row.ruleId)).not.toContain('EKS.7');
    expect(emr.callCount()).toBe(0);
  });

  it('is not evaluated offline', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-7/AssociateAccessPolicy.fail.edit-emr-namespace.json'), EKS);

    // Assess
    expect(verdicts(outcome).map((row) => row.ruleId)).not.toContain('EKS.7');
    expect(outcome.notEvaluated.find((entry) => entry.ruleId === 'EKS.7')).toMatchObject({ reason: 'offline', readers: ['emr-containers:ListVirtualClusters'] });
  });

  it('is not evaluated, never PASSED, when the listing is denied', async () => {
    // Prepare
    emr.rejects(Object.assign(new Error('not authorized to perform: emr-containers:ListVirtualClusters'), { name: 'AccessDeniedException' }));

    // Act
    const outcome = await evaluateEvent(loadEvent('eks-7/AssociateAccessPolicy.pass.other-namespace.json'), { ...EKS, live: true });

    // Assess
    expect(verdictOf(outcome, 'EKS.7')?.status).toBe('NOT_AVAILABLE');
    expect(outcome.notEvaluated.find((entry) => entry.ruleId === 'EKS.7')).toMatchObject({ reason: 'access-denied' });
  });
});
