import {
  GetPolicyVersionCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListEntitiesForPolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type IamWorld, loadWorld, serveWorld } from '../fixtures/iam/mock-iam.ts';
import { evaluateEvent, loadEvent, verdictOf, verdicts } from '../support/pipeline.ts';

const iam = mockClient(IAMClient);
const role = (name: string) => `arn:aws:iam::111122223333:role/${name}`;
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
/** Only IAM.3: IAM.4/IAM.5 share these events. */
const config = { disabledRules: ['IAM.1', 'IAM.2', 'IAM.4', 'IAM.5', 'IAM.6'] };

type WorldChange = (world: IamWorld) => void;
const asIs: WorldChange = () => {};
// IAM is eventually consistent: right after the call, the live read may not show it yet.
const inlineStillListed: WorldChange = (world) => {
  (world.roles['payments-api-irsa'] as IamWorld['roles'][string]).inline.bootstrap = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }] };
};
const adminStillListed: WorldChange = (world) => {
  world.roles['payments-api-irsa']?.attached.push(ADMIN);
};

describe('IAM.3 workload and node roles have no admin-equivalent permission', () => {
  beforeEach(() => {
    iam.reset();
  });

  it.each([
    ['iam-3/AttachRolePolicy.fail.administrator-access-irsa.json', 'FAILED', 'payments-api-irsa', 'IAM role payments-api-irsa (IRSA) has admin-equivalent permissions: AWS managed policy AdministratorAccess is attached.', asIs],
    ['iam-3/AttachRolePolicy.pass.scoped-policy-irsa.json', 'PASSED', 'payments-api-irsa', 'IAM role payments-api-irsa (IRSA) has no admin-equivalent permission.', asIs],
    ['iam-3/PutRolePolicy.fail.inline-iam-wildcard.json', 'FAILED', 'payments-api-irsa', 'inline policy bootstrap statement 1 allows iam:* (IAM:*, s3:GetObject) on every resource', asIs],
    ['iam-3/DeleteRolePolicy.pass.inline-removed.json', 'PASSED', 'payments-api-irsa', 'has no admin-equivalent permission', inlineStillListed],
    ['iam-3/DetachRolePolicy.pass.admin-detached.json', 'PASSED', 'payments-api-irsa', 'has no admin-equivalent permission', adminStillListed],
    ['iam-3/CreateRole.pass.new-pod-identity-role.json', 'PASSED', 'orders-pod-identity', 'IAM role orders-pod-identity (EKS Pod Identity) has no admin-equivalent permission.', asIs],
    ['iam-3/SetDefaultPolicyVersion.pass.rollback.json', 'PASSED', 'payments-api-irsa', 'has no admin-equivalent permission', asIs],
    ['iam-5/CreateNodegroup.pass.cni-on-irsa.json', 'PASSED', 'prod-eu-node-role', 'IAM role prod-eu-node-role (EKS node) has no admin-equivalent permission.', asIs],
    // Not a role IAM.3 judges; the verdict resolves any finding a former trust policy left.
    ['iam-3/AttachRolePolicy.pass.not-workload-role.json', 'PASSED', 'invoice-renderer-lambda', 'is not a workload role', asIs],
  ])('%s → %s', async (fixture, status, roleName, phrase, change) => {
    // Prepare
    const world = loadWorld();
    change(world);
    serveWorld(iam, world);

    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), { live: true, config });

    // Assess
    const verdict = verdictOf(outcome, 'IAM.3');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('HIGH');
    expect(verdict?.resourceId).toBe(role(roleName));
    expect(verdict?.description).toContain(phrase);
    expect(outcome.notEvaluated).toEqual([]);
  });

  it('fails an AdministratorAccess attach from the trust policy alone, before listing other policies', async () => {
    // Prepare
    serveWorld(iam, loadWorld());

    // Act
    await evaluateEvent(loadEvent('iam-3/AttachRolePolicy.fail.administrator-access-irsa.json'), { live: true, config });

    // Assess
    expect(iam.commandCalls(GetRoleCommand).map((call) => call.args[0].input)).toEqual([{ RoleName: 'payments-api-irsa' }]);
    expect(iam.commandCalls(ListAttachedRolePoliciesCommand)).toHaveLength(0);
  });

  it('reads the document of a policy the event attached even when the live list does not show it yet', async () => {
    // Prepare
    serveWorld(iam, loadWorld());

    // Act
    await evaluateEvent(loadEvent('iam-3/AttachRolePolicy.pass.scoped-policy-irsa.json'), { live: true, config });

    // Assess
    expect(iam.commandCalls(GetPolicyVersionCommand).map((call) => call.args[0].input)).toEqual([
      { PolicyArn: 'arn:aws:iam::111122223333:policy/platform-workloads', VersionId: 'v2' },
      { PolicyArn: 'arn:aws:iam::111122223333:policy/payments-api-s3', VersionId: 'v1' },
    ]);
  });

  it('judges every role a new default policy version reaches, with the version from the event', async () => {
    // Prepare
    serveWorld(iam, loadWorld());

    // Act
    const outcome = await evaluateEvent(loadEvent('iam-3/CreatePolicyVersion.fail.fan-out.json'), { live: true, config });

    // Assess
    // The Lambda role carries the policy too, but IAM.3 does not judge it (no finding on a Create* call).
    expect(verdicts(outcome).map(({ ruleId, status, resourceId }) => [ruleId, status, resourceId])).toEqual([['IAM.3', 'FAILED', role('payments-api-irsa')]]);
    expect(iam.commandCalls(GetRoleCommand).map((call) => call.args[0].input)).toEqual([{ RoleName: 'payments-api-irsa' }, { RoleName: 'invoice-renderer-lambda' }]);
    expect(verdicts(outcome)[0]?.description).toContain('policy platform-workloads statement "Bootstrap" allows iam:* (iam*:*) on every resource');
    expect(iam.commandCalls(ListEntitiesForPolicyCommand).map((call) => call.args[0].input)).toEqual([
      { PolicyArn: 'arn:aws:iam::111122223333:policy/platform-workloads', EntityFilter: 'Role' },
      { PolicyArn: 'arn:aws:iam::111122223333:policy/platform-workloads', EntityFilter: 'Role', Marker: '1' },
    ]);
  });

  it('ignores a policy version that is not made the default', async () => {
    // Prepare
    serveWorld(iam, loadWorld());

    // Act
    const outcome = await evaluateEvent(loadEvent('iam-3/CreatePolicyVersion.skip.not-default.json'), { live: true, config });

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.notEvaluated).toEqual([]);
    expect(iam.calls()).toHaveLength(0);
  });

  it.each([
    ['iam-3/AttachRolePolicy.fail.administrator-access-irsa.json', ['iam:GetRole']],
    ['iam-3/PutRolePolicy.fail.inline-iam-wildcard.json', ['iam:GetRole']],
    ['iam-5/CreateNodegroup.pass.cni-on-irsa.json', ['iam:role-permissions']],
  ])('reports %s as not evaluated offline (needs %j), never PASSED', async (fixture, readers) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), { config });

    // Assess
    expect(verdictOf(outcome, 'IAM.3')).toBeUndefined();
    expect(outcome.notEvaluated).toEqual([expect.objectContaining({ ruleId: 'IAM.3', reason: 'offline', readers })]);
  });

  it('reports the policy-version fan-out as not evaluated offline', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('iam-3/CreatePolicyVersion.fail.fan-out.json'), { config });

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.notEvaluated).toEqual([expect.objectContaining({ ruleId: 'IAM.3', reason: 'offline' })]);
  });
});
