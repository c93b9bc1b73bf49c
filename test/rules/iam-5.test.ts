import { IAMClient } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type IamWorld, loadWorld, serveWorld } from '../fixtures/iam/mock-iam.ts';
import { evaluateEvent, loadEvent, verdictOf } from '../support/pipeline.ts';

const iam = mockClient(IAMClient);
const NODE_ROLE = 'arn:aws:iam::111122223333:role/prod-eu-node-role';
const CNI = 'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy';
const config = { disabledRules: ['IAM.1', 'IAM.2', 'IAM.3', 'IAM.4', 'IAM.6'] };

type WorldChange = (world: IamWorld) => void;
const asIs: WorldChange = () => {};
const cniOnIrsa: WorldChange = (world) => {
  const node = world.roles['prod-eu-node-role'];
  if (node) node.attached = node.attached.filter((arn) => arn !== CNI);
};

describe('IAM.5 the VPC CNI policy is not on the node role', () => {
  beforeEach(() => {
    iam.reset();
  });

  it.each([
    ['iam-5/AttachRolePolicy.fail.cni-on-node-role.json', 'FAILED', 'carries AmazonEKS_CNI_Policy, which every pod on its nodes can use', cniOnIrsa],
    // The live list may still show the policy right after the detach: the event wins.
    ['iam-5/DetachRolePolicy.pass.cni-detached.json', 'PASSED', 'does not carry AmazonEKS_CNI_Policy', asIs],
    ['iam-5/CreateNodegroup.pass.cni-on-irsa.json', 'PASSED', 'does not carry AmazonEKS_CNI_Policy', cniOnIrsa],
    ['iam-5/CreateNodegroup.pass.cni-on-irsa.json', 'FAILED', 'carries AmazonEKS_CNI_Policy', asIs],
  ])('%s → %s', async (fixture, status, phrase, change) => {
    // Prepare
    const world = loadWorld();
    change(world);
    serveWorld(iam, world);

    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), { live: true, config });

    // Assess
    const verdict = verdictOf(outcome, 'IAM.5');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('LOW');
    expect(verdict?.resourceId).toBe(NODE_ROLE);
    expect(verdict?.description).toContain(phrase);
    expect(outcome.notEvaluated).toEqual([]);
  });

  it('reports a node group offline as not evaluated, never PASSED', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('iam-5/CreateNodegroup.pass.cni-on-irsa.json'), { config });

    // Assess
    expect(verdictOf(outcome, 'IAM.5')).toBeUndefined();
    expect(outcome.notEvaluated).toEqual([expect.objectContaining({ ruleId: 'IAM.5', resourceId: NODE_ROLE, reason: 'offline', readers: ['iam:role-permissions'] })]);
  });
});
