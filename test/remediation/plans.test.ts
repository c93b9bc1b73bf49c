import { describe, expect, it } from 'vitest';
import { parseConfig, type VigilConfigInput } from '#shared/config.ts';
import type { ResourceRef } from '#shared/model.ts';
import { CREATED_VERSION, describeCall, idempotencyToken } from '#shared/remediation/calls.ts';
import { restrictCidrs } from '#shared/remediation/cidr.ts';
import { eks1Remediation } from '#shared/remediation/eks-1.ts';
import { eks2Remediation } from '#shared/remediation/eks-2.ts';
import { eks3Remediation } from '#shared/remediation/eks-3.ts';
import { eks8Remediation, withNetworkPolicy } from '#shared/remediation/eks-8.ts';
import { iam3Remediation } from '#shared/remediation/iam-3.ts';
import { lt2Remediation } from '#shared/remediation/lt-2.ts';
import { MAX_DETAIL_BYTES, requestOf } from '#shared/remediation/request.ts';
import type { ClusterState, Subject } from '#shared/state/types.ts';
import { evaluateEvent, loadEvent } from '../support/pipeline.ts';
import { KMS_KEY_ARN, remediationConfig } from './support.ts';

const TOKEN = 'vigil-0123456789abcdef0123456789abcdef01234567';
const context = { token: TOKEN, facts: undefined, alsoFixes: new Set<never>() };

function clusterRef(region = 'eu-west-1'): ResourceRef {
  return {
    kind: 'eks-cluster',
    id: `arn:aws:eks:${region}:111122223333:cluster/payments-prod`,
    name: 'payments-prod',
    accountId: '111122223333',
    region,
    partition: 'aws',
    attrs: { clusterName: 'payments-prod' },
  };
}

function cluster(state: Partial<ClusterState>, region?: string): Subject<'eks-cluster'> {
  return {
    kind: 'eks-cluster',
    ref: clusterRef(region),
    state: { clusterName: 'payments-prod', status: 'ACTIVE', endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ['0.0.0.0/0'], ...state },
  };
}

function config(input: VigilConfigInput = {}) {
  return parseConfig(remediationConfig(input));
}

describe('EKS.1 plan: restrict, never widen', () => {
  it.each([
    ['open to the internet', ['0.0.0.0/0'], ['203.0.113.0/24', '198.51.100.0/24']],
    ['open to the internet and one listed network', ['203.0.113.0/24', '0.0.0.0/0'], ['203.0.113.0/24', '198.51.100.0/24']],
    ['a wide private range holding one listed network', ['198.0.0.0/8'], ['198.51.100.0/24']],
    ['one host outside the list', ['192.0.2.10/32'], ['203.0.113.0/24', '198.51.100.0/24']],
  ])('public access %s: %j becomes %j, private access on', (_label, current, expected) => {
    // Act
    const plan = eks1Remediation.plan(cluster({ publicAccessCidrs: current }), config(), context);

    // Assess
    expect(plan).toMatchObject({
      status: 'PLANNED',
      calls: [
        {
          command: 'UpdateClusterConfig',
          input: { name: 'payments-prod', resourcesVpcConfig: { endpointPrivateAccess: true, publicAccessCidrs: expected }, clientRequestToken: TOKEN },
        },
      ],
    });
  });

  it('keeps CIDRs already inside the allow-list and only turns private access on', () => {
    // Act
    const plan = eks1Remediation.plan(cluster({ publicAccessCidrs: ['203.0.113.8/29'] }), config(), context);

    // Assess
    expect(plan).toMatchObject({ status: 'PLANNED', calls: [{ input: { resourcesVpcConfig: { endpointPrivateAccess: true } } }] });
    expect(plan.status === 'PLANNED' && plan.calls[0]?.input).not.toHaveProperty('resourcesVpcConfig.publicAccessCidrs');
  });

  it('does not act on a cluster being deleted', () => {
    expect(eks1Remediation.plan(cluster({ status: 'DELETING' }), config(), context)).toMatchObject({ status: 'NOT_REMEDIABLE' });
  });
});

describe('EKS.2 plan: only the missing types', () => {
  it('enables exactly the required types that are off, nothing else', () => {
    // Prepare
    const subject = cluster({ logging: { api: true, audit: false, authenticator: false, controllerManager: true, scheduler: false } });

    // Act
    const plan = eks2Remediation.plan(subject, config({ requiredLogTypes: ['api', 'audit', 'authenticator'] }), context);

    // Assess
    expect(plan).toMatchObject({ status: 'PLANNED', calls: [{ input: { logging: { clusterLogging: [{ types: ['audit', 'authenticator'], enabled: true }] } } }] });
  });
});

describe('EKS.3 plan', () => {
  it('refuses a key from another region than the cluster', () => {
    // Act
    const plan = eks3Remediation.plan(cluster({ secretsKeyArn: null }, 'eu-central-1'), config(), context);

    // Assess
    expect(plan).toMatchObject({ status: 'NOT_REMEDIABLE', reason: expect.stringContaining(`KMS key ${KMS_KEY_ARN} is not in the region`) });
  });

  it('never replaces a key already associated', () => {
    expect(eks3Remediation.plan(cluster({ secretsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/other' }), config(), context)).toMatchObject({ status: 'NOT_REMEDIABLE' });
  });
});

describe('EKS.8: configuration values keep their language and their other values', () => {
  it.each([
    ['no configuration', undefined, '{"enableNetworkPolicy":"true"}'],
    ['compact JSON', '{"env":{"WARM_ENI_TARGET":"1"}}', '{"env":{"WARM_ENI_TARGET":"1"},"enableNetworkPolicy":"true"}'],
    ['JSON with the key in place', '{\n    "enableNetworkPolicy": "false",\n    "nodeAgent": {\n        "enablePolicyEventLogs": "true"\n    }\n}', '{\n    "enableNetworkPolicy": "true",\n    "nodeAgent": {\n        "enablePolicyEventLogs": "true"\n    }\n}'],
    ['YAML', 'env:\n  WARM_ENI_TARGET: "1" # one spare ENI\n', 'env:\n  WARM_ENI_TARGET: "1" # one spare ENI\nenableNetworkPolicy: "true"\n'],
    ['YAML with the key as a boolean', 'enableNetworkPolicy: false\n', 'enableNetworkPolicy: "true"\n'],
  ])('%s', (_label, before, after) => {
    expect(withNetworkPolicy(before)).toBe(after);
  });

  it('refuses configuration it cannot read, rather than overwrite it', () => {
    // Prepare
    const subject: Subject<'eks-addon'> = {
      kind: 'eks-addon',
      ref: { ...clusterRef(), kind: 'eks-addon', id: 'arn:aws:eks:eu-west-1:111122223333:addon/payments-prod/vpc-cni', name: 'payments-prod/vpc-cni', attrs: { clusterName: 'payments-prod', addonName: 'vpc-cni' } },
      state: { clusterName: 'payments-prod', addonName: 'vpc-cni' },
    };

    // Act
    const plan = eks8Remediation.plan(subject, config(), { ...context, facts: { configurationValues: '- just\n- a list\n', status: 'ACTIVE' } });

    // Assess
    expect(plan).toMatchObject({ status: 'NOT_REMEDIABLE' });
  });
});

describe('IAM.3 plan', () => {
  it('detaches each AWS-managed admin policy and nothing else', () => {
    // Prepare
    const subject: Subject<'iam-role'> = {
      kind: 'iam-role',
      ref: { kind: 'iam-role', id: 'arn:aws:iam::111122223333:role/etl-node', name: 'etl-node', accountId: '111122223333', region: 'us-east-1', partition: 'aws', attrs: { roleName: 'etl-node' } },
      state: {
        roleName: 'etl-node',
        attachedPolicyArns: ['arn:aws:iam::aws:policy/PowerUserAccess', 'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy', 'arn:aws:iam::aws:policy/IAMFullAccess', 'arn:aws:iam::111122223333:policy/AdministratorAccess'],
      },
    };

    // Act
    const plan = iam3Remediation.plan(subject, config(), context);

    // Assess
    expect(plan).toMatchObject({
      status: 'PLANNED',
      calls: [
        { command: 'DetachRolePolicy', input: { RoleName: 'etl-node', PolicyArn: 'arn:aws:iam::aws:policy/PowerUserAccess' } },
        { command: 'DetachRolePolicy', input: { RoleName: 'etl-node', PolicyArn: 'arn:aws:iam::aws:policy/IAMFullAccess' } },
      ],
    });
  });
});

describe('launch template plan', () => {
  it('repeats every metadata field the source writes, changes only the fixed one, and says which version becomes the default', () => {
    // Prepare
    const subject: Subject<'launch-template'> = {
      kind: 'launch-template',
      ref: {
        kind: 'launch-template',
        id: 'arn:aws:ec2:eu-west-1:111122223333:launch-template/lt-0e1f2a3b4c5d6e7f8',
        name: 'payments-nodes (lt-0e1f2a3b4c5d6e7f8)',
        accountId: '111122223333',
        region: 'eu-west-1',
        partition: 'aws',
        attrs: { launchTemplateId: 'lt-0e1f2a3b4c5d6e7f8', nodegroup: 'payments-prod/general' },
      },
      state: { launchTemplateId: 'lt-0e1f2a3b4c5d6e7f8', version: 4 },
    };
    const facts = { metadataOptions: { State: 'applied' as const, HttpTokens: 'required' as const, HttpPutResponseHopLimit: 3, HttpProtocolIpv6: 'enabled' as const } };

    // Act
    const plan = lt2Remediation.plan(subject, config(), { token: TOKEN, facts, alsoFixes: new Set() });

    // Assess
    expect(plan).toMatchObject({
      status: 'PLANNED',
      calls: [
        {
          command: 'CreateLaunchTemplateVersion',
          input: { LaunchTemplateId: 'lt-0e1f2a3b4c5d6e7f8', SourceVersion: '4', LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpProtocolIpv6: 'enabled' } }, ClientToken: TOKEN },
        },
        { command: 'ModifyLaunchTemplate', input: { LaunchTemplateId: 'lt-0e1f2a3b4c5d6e7f8', DefaultVersion: CREATED_VERSION } },
      ],
      summary: expect.stringContaining('EKS node group payments-prod/general keeps the version it was given'),
    });
  });
});

describe('idempotency and requests', () => {
  it('derives one token per (event, rule), within the 64 characters EKS and EC2 accept', () => {
    const token = idempotencyToken('8b0f3c71-5e2d-4a96-9d1e-2f7c4a6b8e03', 'EKS.1');
    expect(token).toBe(idempotencyToken('8b0f3c71-5e2d-4a96-9d1e-2f7c4a6b8e03', 'EKS.1'));
    expect(token).not.toBe(idempotencyToken('8b0f3c71-5e2d-4a96-9d1e-2f7c4a6b8e03', 'EKS.2'));
    expect(token).not.toBe(idempotencyToken('e3c5a9f1-7b2d-4e80-a6c4-9f1d3b5e7a20', 'EKS.1'));
    expect(token).toMatch(/^vigil-[0-9a-f]{40}$/);
  });

  it('leaves the idempotency token out of the call as written in notes', () => {
    expect(describeCall({ service: 'eks', command: 'UpdateClusterConfig', input: { name: 'payments-prod', accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' }, clientRequestToken: TOKEN } })).toBe(
      'UpdateClusterConfig {"name":"payments-prod","accessConfig":{"authenticationMode":"API_AND_CONFIG_MAP"}}',
    );
  });

  it('sends only identities when the state would not fit in a PutEvents entry', async () => {
    // Prepare
    const [violation] = (await evaluateEvent(loadEvent('remediation/CreateCluster.fail.api-defaults.json'))).violations;
    if (!violation) throw new Error('fixture must fail');
    const huge = { ...violation, subject: { ...violation.subject, state: { ...violation.subject.state, subnetIds: Array.from({ length: 20_000 }, (_, index) => `subnet-${index}`) } } };

    // Act
    const request = requestOf(huge as typeof violation);

    // Assess
    expect(request.stateTrimmed).toBe(true);
    expect(request.state).toEqual({ clusterName: 'payments-prod' });
    expect(Buffer.byteLength(JSON.stringify(request))).toBeLessThan(MAX_DETAIL_BYTES);
  });
});

describe('CIDR restriction', () => {
  it('drops a CIDR that only partly overlaps an allow-listed one', () => {
    expect(restrictCidrs(['203.0.113.128/25'], ['203.0.113.0/26'])).toEqual([]);
  });
});
