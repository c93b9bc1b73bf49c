import { describe, expect, it } from 'vitest';
import { evaluateEvent, loadEvent, verdictOf, verdicts } from '../support/pipeline.ts';

const EKS = { service: 'eks' } as const;
const policyRef = (cluster: string, principal: string, policy: string) =>
  `arn:aws:eks:eu-west-1:111122223333:cluster/${cluster}/access-policy/${principal}/${policy}`;
const ADMINS_WITH_PATH = 'arn:aws:iam::111122223333:role/platform/eks-admins';

describe('EKS.6', () => {
  it.each([
    [
      'AssociateAccessPolicy.fail.cluster-admin.json',
      {},
      'FAILED',
      policyRef('analytics-prod', 'arn:aws:iam::111122223333:role/ci-deployer', 'AmazonEKSClusterAdminPolicy'),
      /^EKS cluster analytics-prod grants AmazonEKSClusterAdminPolicy at cluster scope to arn:aws:iam::111122223333:role\/ci-deployer, which is not in the admin allow-list\./,
    ],
    [
      'AssociateAccessPolicy.pass.allow-listed.json',
      { adminPrincipalArns: [ADMINS_WITH_PATH] },
      'PASSED',
      policyRef('analytics-prod', ADMINS_WITH_PATH, 'AmazonEKSAdminPolicy'),
      /grants AmazonEKSAdminPolicy at cluster scope to allow-listed administrator arn:aws:iam::111122223333:role\/platform\/eks-admins\./,
    ],
    [
      'AssociateAccessPolicy.pass.namespace-scope.json',
      {},
      'PASSED',
      policyRef('analytics-prod', 'arn:aws:iam::111122223333:role/team-a-developers', 'AmazonEKSAdminPolicy'),
      /grants AmazonEKSAdminPolicy to arn:aws:iam::111122223333:role\/team-a-developers only in namespaces team-a and team-a-staging\./,
    ],
  ])('%s with %j → %s', async (fixture, config, status, resourceId, summary) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(`eks-6/${fixture}`), { ...EKS, config });

    // Assess
    const verdict = verdictOf(outcome, 'EKS.6');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('HIGH');
    expect(verdict?.resourceId).toBe(resourceId);
    expect(verdict?.description).toMatch(summary);
  });

  it.each([
    [[], 'FAILED'],
    [['arn:aws:iam::111122223333:role/eks-admins'], 'PASSED'],
    [['arn:aws:iam::111122223333:role/other/EKS-Admins'], 'PASSED'],
    [['arn:aws:iam::444455556666:role/platform/eks-admins'], 'FAILED'],
    [['arn:aws:iam::111122223333:user/eks-admins'], 'FAILED'],
    [['arn:aws:iam::111122223333:role/platform/eks-admins-break-glass'], 'FAILED'],
  ])('matches the URL-encoded role with a path against allow-list %j → %s', async (adminPrincipalArns, status) => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-6/AssociateAccessPolicy.pass.allow-listed.json'), { ...EKS, config: { adminPrincipalArns } });

    // Assess
    expect(verdictOf(outcome, 'EKS.6')?.status).toBe(status);
  });

  it('does not judge policies other than the admin ones (AmazonEKSViewPolicy)', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-6/AssociateAccessPolicy.skip.view-policy.json'), EKS);

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.notEvaluated).toEqual([]);
  });

  it('archives the association on DisassociateAccessPolicy, with the principal decoded', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-6/DisassociateAccessPolicy.archive.json'), EKS);

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.archives.map((archive) => archive.ref.id)).toEqual([
      policyRef('analytics-prod', 'arn:aws:iam::111122223333:role/ci-deployer', 'AmazonEKSClusterAdminPolicy'),
    ]);
  });

  it('archives every judged association of the principal on DeleteAccessEntry', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-6/DeleteAccessEntry.archive.json'), EKS);

    // Assess
    const ids = outcome.archives.map((archive) => archive.ref.id);
    expect(ids).toContain(policyRef('analytics-prod', 'arn:aws:iam::111122223333:role/ci-deployer', 'AmazonEKSClusterAdminPolicy'));
    expect(ids).toContain(policyRef('analytics-prod', 'arn:aws:iam::111122223333:role/ci-deployer', 'AmazonEKSEditPolicy'));
    expect(ids).toHaveLength(5);
  });
});
