import { describe, expect, it } from 'vitest';
import { evaluateEvent, loadEvent, verdictOf } from '../support/pipeline.ts';

const EKS = { service: 'eks' } as const;

describe('EKS.5', () => {
  it.each([
    ['eks-5/CreateCluster.fail.bootstrap-admin.json', 'FAILED', 'team-blue', /^EKS cluster team-blue made its creator a cluster administrator \(bootstrapClusterCreatorAdminPermissions is true\)\./],
    ['eks-5/CreateCluster.pass.no-bootstrap.json', 'PASSED', 'team-green', /^EKS cluster team-green did not make its creator a cluster administrator\./],
    // Omitted, the API makes the creator an admin.
    ['eks-1/CreateCluster.fail.request-defaults.json', 'FAILED', 'sandbox-1', /made its creator a cluster administrator/],
  ])('%s → %s', async (fixture, status, cluster, summary) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), EKS);

    // Assess
    const verdict = verdictOf(outcome, 'EKS.5');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('LOW');
    expect(verdict?.resourceId).toBe(`arn:aws:eks:eu-west-1:111122223333:cluster/${cluster}`);
    expect(verdict?.description).toMatch(summary);
  });

  it('judges cluster creation only', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('eks-4/UpdateClusterConfig.pass.api.json'), EKS);

    // Assess
    expect(verdictOf(outcome, 'EKS.5')).toBeUndefined();
    expect(outcome.notEvaluated.filter((entry) => entry.ruleId === 'EKS.5')).toEqual([]);
  });
});
