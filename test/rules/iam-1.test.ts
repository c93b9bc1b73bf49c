import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadWorld, serveWorld } from '../fixtures/iam/mock-iam.ts';
import { evaluateEvent, loadEvent, verdictOf, verdicts } from '../support/pipeline.ts';

const iam = mockClient(IAMClient);
const role = (name: string) => `arn:aws:iam::111122223333:role/${name}`;

describe('IAM.1 IRSA trust bound to one service account', () => {
  beforeEach(() => {
    iam.reset();
    serveWorld(iam, loadWorld());
  });

  it.each([
    ['iam-1/CreateRole.pass.irsa-bound.json', 'PASSED', 'CRITICAL', 'payments-api-irsa', 'only by system:serviceaccount:payments:payments-api'],
    ['iam-1/CreateRole.fail.no-sub.json', 'FAILED', 'CRITICAL', 'reporting-irsa', 'has no sub condition, so any service account in the cluster can assume it'],
    ['iam-1/CreateRole.fail.wildcard-sub.json', 'FAILED', 'HIGH', 'shared-s3-reader', 'binds sub with the wildcard system:serviceaccount:*:*'],
    // The EMR pattern is allowed in one namespace only.
    ['iam-1/CreateRole.fail.emr-pattern-any-namespace.json', 'FAILED', 'HIGH', 'spark-jobs-any-namespace', 'wildcard system:serviceaccount:*:emr-containers-sa-*'],
    // What `aws emr-containers update-role-trust-policy` writes: the wildcard is allowed, the missing aud is not.
    ['iam-1/UpdateAssumeRolePolicy.fail.emr-cli-no-aud.json', 'FAILED', 'LOW', 'emr-spark-execution', 'has no aud condition (sts.amazonaws.com)'],
    ['iam-1/UpdateAssumeRolePolicy.pass.emr-cli-pattern-with-aud.json', 'PASSED', 'CRITICAL', 'emr-spark-execution', 'emr-containers-sa-*-*-111122223333-'],
    // The CDK sample's second statement holds only a (misspelled) aud: any service account can assume.
    ['iam-1/UpdateAssumeRolePolicy.fail.cdk-aud-only-statement.json', 'FAILED', 'CRITICAL', 'EmrOnEksStack-EMRJobExecutionRole1A2B3C4D-9XK2LQ7M1ZP0', 'statement 3 (OIDC provider'],
  ])('%s → %s %s', async (fixture, status, severity, roleName, phrase) => {
    // Prepare
    const event = loadEvent(fixture);

    // Act
    const outcome = await evaluateEvent(event);

    // Assess
    const verdict = verdictOf(outcome, 'IAM.1');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe(severity);
    expect(verdict?.resourceId).toBe(role(roleName));
    expect(verdict?.description).toContain(phrase);
    expect(outcome.notEvaluated.filter((entry) => entry.ruleId === 'IAM.1')).toEqual([]);
  });

  it('writes no finding for a new role that no EKS OIDC provider trusts', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('iam-1/CreateRole.skip.not-irsa.json'));

    // Assess
    expect(verdicts(outcome).map((row) => row.ruleId)).not.toContain('IAM.1');
    expect(outcome.notEvaluated).toEqual([]);
  });

  it('archives the findings of a deleted role under the id every other event uses', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('iam-1/DeleteRole.archive.role-deleted.json'));

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.archives.map((archive) => archive.ref.id)).toEqual([role('reporting-irsa')]);
  });

  it('reads the trust policy live when the event copy cannot be parsed, and never guesses offline', async () => {
    // Prepare
    const event = loadEvent('iam-1/UpdateAssumeRolePolicy.fail.emr-cli-no-aud.json');
    const detail = event.detail as { requestParameters: { roleName: string; policyDocument: string } };
    detail.requestParameters.roleName = 'payments-api-irsa';
    detail.requestParameters.policyDocument = '{"Version": "2012-10-17", "Statement": [';

    // Act
    const offline = await evaluateEvent(event);
    const live = await evaluateEvent(event, { live: true });

    // Assess
    expect(verdictOf(offline, 'IAM.1')).toBeUndefined();
    expect(offline.notEvaluated).toContainEqual(expect.objectContaining({ ruleId: 'IAM.1', reason: 'offline', readers: ['iam:GetRole'] }));
    expect(verdictOf(live, 'IAM.1')).toMatchObject({ status: 'PASSED', resourceId: role('payments-api-irsa') });
    expect(iam.commandCalls(GetRoleCommand).map((call) => call.args[0].input)).toEqual([{ RoleName: 'payments-api-irsa' }]);
  });
});
