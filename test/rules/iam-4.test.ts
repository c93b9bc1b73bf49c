import { IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { VigilConfigInput } from '#shared/config.ts';
import { type IamWorld, loadWorld, serveWorld } from '../fixtures/iam/mock-iam.ts';
import { evaluateEvent, loadEvent, verdictOf } from '../support/pipeline.ts';

const iam = mockClient(IAMClient);
const NODE_ROLE = 'arn:aws:iam::111122223333:role/prod-eu-node-role';
const PLATFORM_POLICY = 'arn:aws:iam::111122223333:policy/platform-workloads';
const only: VigilConfigInput = { disabledRules: ['IAM.1', 'IAM.2', 'IAM.3', 'IAM.5', 'IAM.6'] };

type WorldChange = (world: IamWorld) => void;
const asIs: WorldChange = () => {};
const platformPolicyOnNodes: WorldChange = (world) => {
  world.roles['prod-eu-node-role']?.attached.push(PLATFORM_POLICY);
};

describe('IAM.4 EKS node role carries only node permissions', () => {
  beforeEach(() => {
    iam.reset();
  });

  it.each([
    ['iam-4/AttachRolePolicy.fail.s3-full-access-on-node-role.json', 'FAILED', 'carries permissions beyond the node\'s own: managed policy AmazonS3FullAccess.', asIs, only],
    ['iam-4/AttachRolePolicy.pass.ssm-on-node-role.json', 'PASSED', 'IAM role prod-eu-node-role (EKS node role) carries only node policies.', asIs, only],
    ['iam-4/PutRolePolicy.fail.inline-on-node-role.json', 'FAILED', 'inline policy dynamodb-orders', asIs, only],
    ['iam-4/CreateNodegroup.fail.node-role-extra-policy.json', 'FAILED', 'managed policy platform-workloads', platformPolicyOnNodes, only],
    // A deliberate exception, listed in the configuration.
    ['iam-4/CreateNodegroup.fail.node-role-extra-policy.json', 'PASSED', 'carries only node policies', platformPolicyOnNodes, { ...only, nodeRoleExtraPolicies: [PLATFORM_POLICY] }],
  ])('%s → %s', async (fixture, status, phrase, change, config) => {
    // Prepare
    const world = loadWorld();
    change(world);
    serveWorld(iam, world);

    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), { live: true, config });

    // Assess
    const verdict = verdictOf(outcome, 'IAM.4');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('MEDIUM');
    expect(verdict?.resourceId).toBe(NODE_ROLE);
    expect(verdict?.description).toContain(phrase);
    expect(outcome.notEvaluated).toEqual([]);
  });

  it('does not judge an EC2 instance role that carries no worker-node policy', async () => {
    // Prepare
    const world = loadWorld();
    world.roles['bastion-host'] = { ...(world.roles['prod-eu-node-role'] as IamWorld['roles'][string]), attached: ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore'] };
    serveWorld(iam, world);
    const event = loadEvent('iam-4/AttachRolePolicy.fail.s3-full-access-on-node-role.json');
    (event.detail as { requestParameters: { roleName: string } }).requestParameters.roleName = 'bastion-host';

    // Act
    const outcome = await evaluateEvent(event, { live: true, config: only });

    // Assess
    expect(verdictOf(outcome, 'IAM.4')).toMatchObject({ status: 'PASSED', resourceId: 'arn:aws:iam::111122223333:role/bastion-host' });
    expect(verdictOf(outcome, 'IAM.4')?.description).toContain('IAM role bastion-host is not an EKS node role.');
    expect(iam.commandCalls(ListAttachedRolePoliciesCommand).map((call) => call.args[0].input)).toEqual([{ RoleName: 'bastion-host' }]);
  });

  it('does not judge a workload role', async () => {
    // Prepare
    serveWorld(iam, loadWorld());

    // Act
    const outcome = await evaluateEvent(loadEvent('iam-3/AttachRolePolicy.pass.scoped-policy-irsa.json'), { live: true, config: only });

    // Assess
    expect(verdictOf(outcome, 'IAM.4')?.description).toContain('IAM role payments-api-irsa is not an EKS node role (it is used for IRSA).');
    expect(iam.commandCalls(ListAttachedRolePoliciesCommand)).toHaveLength(0);
  });
});
