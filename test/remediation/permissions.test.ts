import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, REMEDIABLE_RULES, type RemediableRuleId } from '#shared/config.ts';
import { AUDIT_PERMISSION, readActionsOf, REMEDIATION_PERMISSIONS, REMEDIATIONS, remediationDocs, remediatorPolicy } from '#shared/remediation/catalog.ts';
import { remediate } from '#shared/remediation/remediator.ts';
import type { Permission } from '#shared/remediation/types.ts';
import { RULES } from '#shared/rules/index.ts';
import { ALL_READERS } from '#shared/sources/readers.ts';
import { KINDS } from '#shared/state/kinds.ts';
import { KMS_KEY_ARN, loadRequest, type RequestFixture, remediationConfig, remediatorOptions } from './support.ts';
import { ec2, eks, iam, securityHub, serveViolatingWorld } from './world.ts';

const PLACE = { partition: 'aws', region: 'eu-west-1', account: '111122223333' };
const FIXTURES: Readonly<Record<RemediableRuleId, RequestFixture>> = {
  'LT.1': 'lt-1',
  'LT.2': 'lt-2',
  'EKS.1': 'eks-1',
  'EKS.2': 'eks-2',
  'EKS.3': 'eks-3',
  'EKS.4': 'eks-4',
  'EKS.6': 'eks-6',
  'EKS.8': 'eks-8',
  'IAM.3': 'iam-3',
};

function resolve(text: string): string {
  return text.replaceAll('${partition}', PLACE.partition).replaceAll('${region}', PLACE.region).replaceAll('${account}', PLACE.account);
}

/** IAM's wildcard match: `*` spans any characters, `/` included. */
function matches(pattern: string, arn: string): boolean {
  const expression = resolve(pattern)
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${expression}$`).test(arn);
}

/** The ARN IAM authorises each write call on, as the service authorization reference defines it. */
function resourceOf(command: string, input: Record<string, unknown>): string {
  const eks = (path: string) => `arn:aws:eks:eu-west-1:111122223333:${path}`;
  switch (command) {
    case 'CreateLaunchTemplateVersion':
    case 'ModifyLaunchTemplate':
      return `arn:aws:ec2:eu-west-1:111122223333:launch-template/${String(input.LaunchTemplateId)}`;
    case 'UpdateClusterConfig':
      return eks(`cluster/${String(input.name)}`);
    case 'AssociateEncryptionConfig':
      return eks(`cluster/${String(input.clusterName)}`);
    case 'DisassociateAccessPolicy': {
      const role = String(input.principalArn).split('/').pop();
      return eks(`access-entry/${String(input.clusterName)}/role/111122223333/${role}/7ac9b1d2-3e4f-5a6b-7c8d-9e0f1a2b3c4d`);
    }
    case 'UpdateAddon':
      return eks(`addon/${String(input.clusterName)}/${String(input.addonName)}/d2c9b1a3-4e5f-6a7b-8c9d-0e1f2a3b4c5d`);
    case 'DetachRolePolicy':
      return `arn:aws:iam::111122223333:role/${String(input.RoleName)}`;
    default:
      throw new Error(`no resource known for ${command}`);
  }
}

/** Every SDK call made, as the IAM action it needs and its input. */
function callsMade(): { action: string; input: Record<string, unknown> }[] {
  const stubs = [
    ['ec2', ec2],
    ['eks', eks],
    ['iam', iam],
    ['securityhub', securityHub],
  ] as const;
  return stubs.flatMap(([prefix, stub]) =>
    stub.calls().map((call) => {
      const command = call.args[0] as unknown as { constructor: { name: string }; input: Record<string, unknown> };
      return { action: `${prefix}:${command.constructor.name.replace(/Command$/, '')}`, input: command.input };
    }),
  );
}

function actionsOf(permissions: readonly Permission[]): Set<string> {
  return new Set(permissions.flatMap((permission) => permission.actions));
}

describe('remediation permissions: declared next to each rule, and nothing undeclared', () => {
  beforeEach(() => {
    serveViolatingWorld();
  });

  it.each(REMEDIABLE_RULES.map((ruleId) => [ruleId]))('%s: every call it makes is declared, on a resource its grant covers', async (ruleId) => {
    // Prepare
    const options = remediatorOptions(remediationConfig({ remediation: { enabledRules: [ruleId] } }));

    // Act
    const outcome = await remediate(loadRequest(FIXTURES[ruleId]), options);

    // Assess
    expect(outcome.status).toBe('REMEDIATED');
    const declared = REMEDIATION_PERMISSIONS[ruleId];
    for (const { action, input } of callsMade()) {
      expect(actionsOf(declared), `${ruleId} makes ${action}`).toContain(action);
      if (action.startsWith('securityhub:') || /:(Describe|Get|List)/.test(action)) continue;
      const command = action.slice(action.indexOf(':') + 1);
      const grants = declared.filter((permission) => permission.actions.includes(action));
      expect(
        grants.some((permission) => permission.resources.some((pattern) => matches(pattern, resourceOf(command, input)))),
        `${action} on ${resourceOf(command, input)}`,
      ).toBe(true);
    }
  });

  it('declares each rule its remediation, for its own kind', () => {
    for (const ruleId of REMEDIABLE_RULES) {
      const rule = RULES.find((candidate) => candidate.id === ruleId);
      expect(REMEDIATIONS[ruleId].ruleId).toBe(ruleId);
      expect(rule?.resourceKinds).toContain(REMEDIATIONS[ruleId].kind);
    }
  });

  it("grants the re-read exactly the rule's readers of the remediated kind, and its tags reader", () => {
    // Act
    const actions = readActionsOf('LT.1');

    // Assess
    expect(actions).toEqual(['ec2:DescribeImages', 'ec2:DescribeLaunchTemplateVersions', 'ec2:DescribeLaunchTemplates', 'ec2:GetInstanceMetadataDefaults']);
    expect(KINDS['launch-template'].tagsReader).toBe('ec2:DescribeLaunchTemplates');
  });

  it('fails loudly when a rule reads with a reader that is not registered', () => {
    // Prepare
    const readers = ALL_READERS.filter((reader) => reader.id !== 'eks:DescribeCluster');

    // Act / Assess
    expect(() => readActionsOf('EKS.2', readers)).toThrow('reader eks:DescribeCluster is not registered');
  });
});

describe('remediator role policy', () => {
  it('is not generated when no rule is opted in (the default)', () => {
    expect(remediatorPolicy(parseConfig({}), PLACE)).toBeUndefined();
  });

  it('grants one opted-in rule exactly its needs (EKS.2)', () => {
    // Act
    const policy = remediatorPolicy(parseConfig({ remediation: { enabledRules: ['EKS.2'] } }), PLACE);

    // Assess
    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'VigilRemediation1', Effect: 'Allow', Action: ['eks:DescribeCluster', 'eks:UpdateClusterConfig'], Resource: ['arn:aws:eks:eu-west-1:111122223333:cluster/*'] },
        { Sid: 'VigilRemediation2', Effect: 'Allow', Action: ['securityhub:BatchUpdateFindings'], Resource: ['arn:aws:securityhub:eu-west-1:111122223333:hub/default'] },
      ],
    });
  });

  it.each(REMEDIABLE_RULES.map((ruleId) => [ruleId]))('grants %s its declared actions and no action of a rule not opted in', (ruleId) => {
    // Prepare
    const config = parseConfig(remediationConfig({ remediation: { enabledRules: [ruleId] } }));

    // Act
    const policy = remediatorPolicy(config, PLACE);

    // Assess
    const granted = new Set(policy?.Statement.flatMap((statement) => statement.Action));
    expect(granted).toEqual(actionsOf(REMEDIATION_PERMISSIONS[ruleId]));
    expect(JSON.stringify(policy)).not.toContain('${');
  });

  it('grants every rule its needs when all are opted in, and nothing else', () => {
    // Act
    const policy = remediatorPolicy(parseConfig(remediationConfig()), PLACE);

    // Assess
    const granted = new Set(policy?.Statement.flatMap((statement) => statement.Action));
    expect(granted).toEqual(actionsOf(REMEDIABLE_RULES.flatMap((ruleId) => REMEDIATION_PERMISSIONS[ruleId])));
    expect([...granted].filter((action) => !action.includes(':') || action.endsWith(':*'))).toEqual([]);
  });

  it('narrows the KMS grant of EKS.3 to the configured key', () => {
    // Act
    const policy = remediatorPolicy(parseConfig(remediationConfig({ remediation: { enabledRules: ['EKS.3'] } })), PLACE);

    // Assess
    expect(policy?.Statement).toContainEqual(expect.objectContaining({ Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: [KMS_KEY_ARN] }));
    expect(policy?.Statement).toContainEqual(
      expect.objectContaining({
        Action: ['eks:AssociateEncryptionConfig'],
        Condition: { 'ForAllValues:ArnEquals': { 'eks:encryptionConfigProviderKeyArns': [KMS_KEY_ARN] } },
      }),
    );
  });

  it('matches a configured key alias through kms:ResourceAliases, since KMS authorises on keys', () => {
    // Act
    const policy = remediatorPolicy(
      parseConfig(remediationConfig({ remediation: { enabledRules: ['EKS.3'], kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:alias/eks-secrets' } })),
      PLACE,
    );

    // Assess
    expect(policy?.Statement).toContainEqual(
      expect.objectContaining({
        Action: ['kms:CreateGrant', 'kms:DescribeKey'],
        Resource: ['arn:aws:kms:eu-west-1:111122223333:key/*'],
        Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/eks-secrets'] } },
      }),
    );
  });

  it('lets IAM.3 detach only the three AWS-managed admin policies', () => {
    // Act
    const policy = remediatorPolicy(parseConfig({ remediation: { enabledRules: ['IAM.3'] } }), { ...PLACE, region: 'us-east-1' });

    // Assess
    expect(policy?.Statement).toContainEqual(
      expect.objectContaining({
        Action: ['iam:DetachRolePolicy'],
        Resource: ['arn:aws:iam::111122223333:role/*'],
        Condition: {
          ArnEquals: {
            'iam:PolicyARN': ['arn:aws:iam::aws:policy/AdministratorAccess', 'arn:aws:iam::aws:policy/PowerUserAccess', 'arn:aws:iam::aws:policy/IAMFullAccess'],
          },
        },
      }),
    );
  });

  it('always includes the finding note', () => {
    for (const ruleId of REMEDIABLE_RULES) expect(REMEDIATION_PERMISSIONS[ruleId]).toContainEqual(AUDIT_PERMISSION);
  });

  it('documents every remediation with its actions', () => {
    const docs = remediationDocs();
    expect([...docs.keys()]).toEqual([...REMEDIABLE_RULES]);
    expect(docs.get('EKS.6')?.actions).toEqual(['eks:DescribeAccessEntry', 'eks:DisassociateAccessPolicy', 'eks:ListAssociatedAccessPolicies', 'securityhub:BatchUpdateFindings']);
  });
});
