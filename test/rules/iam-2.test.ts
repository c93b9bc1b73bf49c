import { DescribePodIdentityAssociationCommand, EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { evaluateEvent, loadEvent, verdictOf } from '../support/pipeline.ts';

const eks = mockClient(EKSClient);
const iam = mockClient(IAMClient);
const ASSOCIATION = 'arn:aws:eks:eu-west-1:111122223333:podidentityassociation/prod-eu/a-0f1e2d3c4b5a69788';

describe('IAM.2 no workload identity on a default service account', () => {
  beforeEach(() => {
    eks.reset();
    iam.reset();
  });

  it.each([
    ['iam-2/CreateRole.fail.default-sa.json', 'FAILED', 'arn:aws:iam::111122223333:role/orders-default-irsa', 'is bound to the default service account (system:serviceaccount:orders:default)'],
    ['iam-2/CreateRole.pass.dedicated-sa.json', 'PASSED', 'arn:aws:iam::111122223333:role/orders-worker-irsa', 'is bound to no default service account'],
    ['iam-2/UpdateAssumeRolePolicy.fail.namespace-wildcard.json', 'FAILED', 'arn:aws:iam::111122223333:role/orders-worker-irsa', 'admits default service accounts through the sub pattern system:serviceaccount:orders:*'],
    // No sub at all admits every service account, the default ones too.
    ['iam-1/CreateRole.fail.no-sub.json', 'FAILED', 'arn:aws:iam::111122223333:role/reporting-irsa', 'trusts every service account of OIDC provider'],
    // The EMR pattern names generated service accounts, never `default`.
    ['iam-1/UpdateAssumeRolePolicy.pass.emr-cli-pattern-with-aud.json', 'PASSED', 'arn:aws:iam::111122223333:role/emr-spark-execution', 'is bound to no default service account'],
    ['iam-2/CreatePodIdentityAssociation.fail.default-sa.json', 'FAILED', ASSOCIATION, 'to the default service account of namespace orders'],
    ['iam-2/CreatePodIdentityAssociation.pass.dedicated-sa.json', 'PASSED', 'arn:aws:eks:eu-west-1:111122223333:podidentityassociation/prod-eu/a-1a2b3c4d5e6f70819', 'binds service account orders/orders-worker'],
    // UpdatePodIdentityAssociation names the service account only in its response.
    ['iam-2/UpdatePodIdentityAssociation.fail.default-sa.json', 'FAILED', ASSOCIATION, 'orders-pod-identity-v2 to the default service account'],
  ])('%s → %s', async (fixture, status, resourceId, phrase) => {
    // Prepare
    const event = loadEvent(fixture);

    // Act
    const outcome = await evaluateEvent(event);

    // Assess
    const verdict = verdictOf(outcome, 'IAM.2');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('MEDIUM');
    expect(verdict?.resourceId).toBe(resourceId);
    expect(verdict?.description).toContain(phrase);
  });

  it('reads the association when the update event carries no response', async () => {
    // Prepare
    const event = loadEvent('iam-2/UpdatePodIdentityAssociation.fail.default-sa.json');
    (event.detail as { responseElements: unknown }).responseElements = null;
    eks.on(DescribePodIdentityAssociationCommand).resolves({
      association: { clusterName: 'prod-eu', associationId: 'a-0f1e2d3c4b5a69788', namespace: 'orders', serviceAccount: 'default', roleArn: 'arn:aws:iam::111122223333:role/orders-pod-identity-v2', tags: {} },
    });

    // Act
    const offline = await evaluateEvent(event);
    const live = await evaluateEvent(event, { live: true });

    // Assess
    expect(offline.notEvaluated).toEqual([expect.objectContaining({ ruleId: 'IAM.2', reason: 'offline', readers: ['eks:DescribePodIdentityAssociation'] })]);
    expect(verdictOf(live, 'IAM.2')).toMatchObject({ status: 'FAILED', resourceId: ASSOCIATION });
    expect(eks.commandCalls(DescribePodIdentityAssociationCommand).map((call) => call.args[0].input)).toEqual([
      { clusterName: 'prod-eu', associationId: 'a-0f1e2d3c4b5a69788' },
    ]);
    expect(iam.calls()).toHaveLength(0);
  });
});
