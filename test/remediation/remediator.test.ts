import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import {
  AssociateEncryptionConfigCommand,
  DescribeAccessEntryCommand,
  DescribeAddonCommand,
  DescribeClusterCommand,
  DisassociateAccessPolicyCommand,
  InvalidParameterException,
  ListAssociatedAccessPoliciesCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ServerException,
  UpdateAddonCommand,
  UpdateClusterConfigCommand,
} from '@aws-sdk/client-eks';
import {
  DetachRolePolicyCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { BatchUpdateFindingsCommand } from '@aws-sdk/client-securityhub';
import { beforeEach, describe, expect, it } from 'vitest';
import { idempotencyToken } from '#shared/remediation/calls.ts';
import { RetryLaterError, remediate } from '#shared/remediation/remediator.ts';
import type { RemediationRequest } from '#shared/remediation/request.ts';
import {
  auditLine,
  KMS_KEY_ARN,
  loadRequest,
  payments,
  paymentsNodesVersion,
  REMEDIATOR_ROLE_ARN,
  remediationConfig,
  remediatorOptions,
} from './support.ts';
import { ADMIN_POLICY, CI_DEPLOYER, CLUSTER_ADMIN, ec2, eks, iam, securityHub, serveViolatingWorld } from './world.ts';


/** Every write call made, as `Command input` pairs, in the order of the mocks' histories. */
function writes(): { command: string; input: unknown }[] {
  const named = (name: string, calls: { args: [{ input: unknown }] }[]) => calls.map((call) => ({ command: name, input: call.args[0].input }));
  return [
    ...named('CreateLaunchTemplateVersion', ec2.commandCalls(CreateLaunchTemplateVersionCommand)),
    ...named('ModifyLaunchTemplate', ec2.commandCalls(ModifyLaunchTemplateCommand)),
    ...named('UpdateClusterConfig', eks.commandCalls(UpdateClusterConfigCommand)),
    ...named('AssociateEncryptionConfig', eks.commandCalls(AssociateEncryptionConfigCommand)),
    ...named('DisassociateAccessPolicy', eks.commandCalls(DisassociateAccessPolicyCommand)),
    ...named('UpdateAddon', eks.commandCalls(UpdateAddonCommand)),
    ...named('DetachRolePolicy', iam.commandCalls(DetachRolePolicyCommand)),
  ];
}

function notes(): unknown[] {
  return securityHub.commandCalls(BatchUpdateFindingsCommand).map((call) => call.args[0].input);
}

function token(request: RemediationRequest): string {
  return idempotencyToken(request.trigger.eventId, request.ruleId);
}

describe('remediator: the exact calls of every remediation', () => {
  beforeEach(() => {
    serveViolatingWorld();
  });

  const lt = (hopLimit: number, tokens: string) => ({
    LaunchTemplateData: { MetadataOptions: { HttpTokens: tokens, HttpPutResponseHopLimit: hopLimit, HttpEndpoint: 'enabled', InstanceMetadataTags: 'enabled' } },
  });

  it.each([
    [
      'lt-1' as const,
      ['LT.1'],
      (request: RemediationRequest) => [
        {
          command: 'CreateLaunchTemplateVersion',
          input: { LaunchTemplateId: 'lt-0e1f2a3b4c5d6e7f8', SourceVersion: '1', VersionDescription: 'Vigil remediation (LT.1) of version 1', ...lt(2, 'required'), ClientToken: token(request) },
        },
        { command: 'ModifyLaunchTemplate', input: { LaunchTemplateId: 'lt-0e1f2a3b4c5d6e7f8', DefaultVersion: '2', ClientToken: `${token(request)}-default` } },
      ],
    ],
    [
      'lt-2' as const,
      ['LT.2'],
      (request: RemediationRequest) => [
        {
          command: 'CreateLaunchTemplateVersion',
          input: { LaunchTemplateId: 'lt-0e1f2a3b4c5d6e7f8', SourceVersion: '1', VersionDescription: 'Vigil remediation (LT.2) of version 1', ...lt(1, 'optional'), ClientToken: token(request) },
        },
        { command: 'ModifyLaunchTemplate', input: { LaunchTemplateId: 'lt-0e1f2a3b4c5d6e7f8', DefaultVersion: '2', ClientToken: `${token(request)}-default` } },
      ],
    ],
    [
      // Both opted in: the LT.1 request makes LT.2's fix in the same version.
      'lt-1' as const,
      ['LT.1', 'LT.2'],
      (request: RemediationRequest) => [
        {
          command: 'CreateLaunchTemplateVersion',
          input: { LaunchTemplateId: 'lt-0e1f2a3b4c5d6e7f8', SourceVersion: '1', VersionDescription: 'Vigil remediation (LT.1, LT.2) of version 1', ...lt(1, 'required'), ClientToken: token(request) },
        },
        { command: 'ModifyLaunchTemplate', input: { LaunchTemplateId: 'lt-0e1f2a3b4c5d6e7f8', DefaultVersion: '2', ClientToken: `${token(request)}-default` } },
      ],
    ],
    [
      'eks-1' as const,
      ['EKS.1'],
      (request: RemediationRequest) => [
        {
          command: 'UpdateClusterConfig',
          input: {
            name: 'payments-prod',
            resourcesVpcConfig: { endpointPrivateAccess: true, publicAccessCidrs: ['203.0.113.0/24', '198.51.100.0/24'] },
            clientRequestToken: token(request),
          },
        },
      ],
    ],
    [
      'eks-2' as const,
      ['EKS.2'],
      (request: RemediationRequest) => [
        {
          command: 'UpdateClusterConfig',
          input: { name: 'payments-prod', logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator'], enabled: true }] }, clientRequestToken: token(request) },
        },
      ],
    ],
    [
      'eks-3' as const,
      ['EKS.3'],
      (request: RemediationRequest) => [
        {
          command: 'AssociateEncryptionConfig',
          input: { clusterName: 'payments-prod', encryptionConfig: [{ resources: ['secrets'], provider: { keyArn: KMS_KEY_ARN } }], clientRequestToken: token(request) },
        },
      ],
    ],
    [
      'eks-4' as const,
      ['EKS.4'],
      (request: RemediationRequest) => [
        { command: 'UpdateClusterConfig', input: { name: 'payments-prod', accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' }, clientRequestToken: token(request) } },
      ],
    ],
    [
      'eks-6' as const,
      ['EKS.6'],
      () => [{ command: 'DisassociateAccessPolicy', input: { clusterName: 'analytics-prod', principalArn: CI_DEPLOYER, policyArn: CLUSTER_ADMIN } }],
    ],
    [
      'eks-8' as const,
      ['EKS.8'],
      (request: RemediationRequest) => [
        {
          command: 'UpdateAddon',
          input: {
            clusterName: 'batch-dev',
            addonName: 'vpc-cni',
            configurationValues: '{\n  "env": {\n    "WARM_IP_TARGET": "5",\n    "ENABLE_PREFIX_DELEGATION": "true"\n  },\n  "enableNetworkPolicy": "true"\n}',
            resolveConflicts: 'PRESERVE',
            clientRequestToken: token(request),
          },
        },
      ],
    ],
    ['iam-3' as const, ['IAM.3'], () => [{ command: 'DetachRolePolicy', input: { RoleName: 'payments-api-irsa', PolicyArn: ADMIN_POLICY } }]],
  ])('%s (opted in: %j) makes exactly its calls and notes the finding NOTIFIED', async (fixture, enabledRules, expected) => {
    // Prepare
    const request = loadRequest(fixture);
    const options = remediatorOptions(remediationConfig({ remediation: { enabledRules: enabledRules as never } }));

    // Act
    const outcome = await remediate(request, options);

    // Assess
    expect(outcome.status).toBe('REMEDIATED');
    expect(writes()).toEqual(expected(request));
    expect(notes()).toEqual([
      {
        FindingIdentifiers: [{ Id: request.findingId, ProductArn: request.productArn }],
        Note: { Text: expect.stringMatching(new RegExp(`^Vigil ${request.ruleId.replace('.', '\\.')} \\(event ${request.trigger.eventId}\\): remediated\\. `)), UpdatedBy: 'vigil-remediator' },
        Workflow: { Status: 'NOTIFIED' },
      },
    ]);
    const line = auditLine(options.log);
    expect(line?.level).toBe('info');
    expect(line?.extra).toMatchObject({ outcome: 'REMEDIATED', ruleId: request.ruleId, findingId: request.findingId, eventId: request.trigger.eventId, dryRun: false, noted: true });
    expect(line?.extra.before).toBeDefined();
    expect(line?.extra.after).toBeDefined();
  });

  it('records the values before and after in the audit line (EKS.1)', async () => {
    // Prepare
    const options = remediatorOptions();

    // Act
    await remediate(loadRequest('eks-1'), options);

    // Assess
    expect(auditLine(options.log)?.extra).toMatchObject({
      before: { endpointPrivateAccess: false, endpointPublicAccess: true, publicAccessCidrs: ['0.0.0.0/0'] },
      after: { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ['203.0.113.0/24', '198.51.100.0/24'] },
      calls: ['UpdateClusterConfig {"name":"payments-prod","resourcesVpcConfig":{"endpointPrivateAccess":true,"publicAccessCidrs":["203.0.113.0/24","198.51.100.0/24"]}}'],
    });
  });

  it('records the launch-template version EC2 created as the new default', async () => {
    // Prepare
    const options = remediatorOptions();

    // Act
    await remediate(loadRequest('lt-2'), options);

    // Assess
    expect(auditLine(options.log)?.extra).toMatchObject({
      before: { defaultVersion: 1, metadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 2 } },
      after: { defaultVersion: 2, metadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled', InstanceMetadataTags: 'enabled' } },
    });
  });

  it('keeps a YAML add-on configuration in YAML, comments included', async () => {
    // Prepare
    eks.on(DescribeAddonCommand).resolves({
      addon: { addonName: 'vpc-cni', clusterName: 'batch-dev', status: 'ACTIVE', configurationValues: '# set by platform team\nenv:\n  WARM_IP_TARGET: "5"\n', tags: {} },
    });

    // Act
    await remediate(loadRequest('eks-8'), remediatorOptions());

    // Assess
    expect(eks.commandCalls(UpdateAddonCommand)[0]?.args[0].input.configurationValues).toBe(
      '# set by platform team\nenv:\n  WARM_IP_TARGET: "5"\nenableNetworkPolicy: "true"\n',
    );
  });
});

describe('remediator guards: no change is made', () => {
  beforeEach(() => {
    serveViolatingWorld();
  });

  it('when the rule is not opted in (not even a read)', async () => {
    // Prepare
    const options = remediatorOptions(remediationConfig({ remediation: { enabledRules: ['EKS.2'] } }));

    // Act
    const outcome = await remediate(loadRequest('eks-1'), options);

    // Assess
    expect(outcome).toMatchObject({ status: 'SKIPPED', skipReason: 'not-opted-in' });
    expect(eks.calls()).toHaveLength(0);
    expect(notes()).toEqual([]);
  });

  it("when the triggering change came from the remediator's own role", async () => {
    // Prepare
    const request = loadRequest('eks-4');
    request.trigger.sessionIssuerArn = REMEDIATOR_ROLE_ARN;

    // Act
    const outcome = await remediate(request, remediatorOptions());

    // Assess
    expect(outcome).toMatchObject({ status: 'SKIPPED', skipReason: 'own-change' });
    expect(eks.calls()).toHaveLength(0);
    expect(notes()).toEqual([]);
  });

  it('but a session merely named like the remediator is not the remediator', async () => {
    // Prepare
    const request = loadRequest('eks-4');
    request.trigger.actorArn = 'arn:aws:sts::111122223333:assumed-role/vigil-remediator/vigil-remediator';
    request.trigger.sessionIssuerArn = 'arn:aws:iam::111122223333:role/platform-admin';

    // Act
    const outcome = await remediate(request, remediatorOptions());

    // Assess
    expect(outcome.status).toBe('REMEDIATED');
    expect(eks.commandCalls(UpdateClusterConfigCommand)).toHaveLength(1);
  });

  it.each([
    ['EKS.1', 'eks-1' as const],
    ['all', 'eks-1' as const],
    ['EKS.2,EKS.3', 'eks-3' as const],
  ])('when the resource is tagged exempt (%s) now, whatever the event said (%s)', async (value, fixture) => {
    // Prepare: the event's tags did not exempt it; the live tags do.
    eks.on(DescribeClusterCommand).resolves({ cluster: payments({ tags: { team: 'payments', 'compliance:exempt': value } }) });
    const request = loadRequest(fixture);

    // Act
    const outcome = await remediate(request, remediatorOptions());

    // Assess
    expect(outcome).toMatchObject({ status: 'SKIPPED', skipReason: 'exempt' });
    expect(writes()).toEqual([]);
    expect(notes()).toEqual([]);
  });

  it("when an access policy's access entry is tagged exempt", async () => {
    // Prepare
    eks.on(DescribeAccessEntryCommand).resolves({ accessEntry: { clusterName: 'analytics-prod', principalArn: CI_DEPLOYER, tags: { 'compliance:exempt': 'EKS.6' } } });

    // Act
    const outcome = await remediate(loadRequest('eks-6'), remediatorOptions());

    // Assess
    expect(outcome).toMatchObject({ status: 'SKIPPED', skipReason: 'exempt' });
    expect(writes()).toEqual([]);
  });

  it('when the launch template is exempt by its live tags', async () => {
    // Prepare
    ec2.on(DescribeLaunchTemplatesCommand).resolves({
      LaunchTemplates: [{ LaunchTemplateId: 'lt-0e1f2a3b4c5d6e7f8', LaunchTemplateName: 'payments-nodes', Tags: [{ Key: 'compliance:exempt', Value: 'LT.1' }] }],
    });

    // Act
    const outcome = await remediate(loadRequest('lt-1'), remediatorOptions());

    // Assess
    expect(outcome).toMatchObject({ status: 'SKIPPED', skipReason: 'exempt' });
    expect(writes()).toEqual([]);
  });

  it('when the tags cannot be read, since an exemption cannot be ruled out', async () => {
    // Prepare
    ec2.on(DescribeLaunchTemplatesCommand).rejects(Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' }));

    // Act
    const outcome = await remediate(loadRequest('lt-1'), remediatorOptions());

    // Assess
    expect(outcome.status).toBe('NOT_REMEDIATED');
    expect(writes()).toEqual([]);
  });

  it.each([
    ['eks-1' as const, () => eks.on(DescribeClusterCommand).resolves({ cluster: payments({ resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true } }) })],
    ['eks-2' as const, () => eks.on(DescribeClusterCommand).resolves({ cluster: payments({ logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator'], enabled: true }] } }) })],
    ['eks-4' as const, () => eks.on(DescribeClusterCommand).resolves({ cluster: payments({ accessConfig: { authenticationMode: 'API' } }) })],
    [
      'lt-1' as const,
      () =>
        ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({
          LaunchTemplateVersions: [paymentsNodesVersion({ VersionNumber: 3, LaunchTemplateData: { ImageId: 'ami-0a1b2c3d4e5f60718', MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 } } })],
        }),
    ],
    [
      'eks-6' as const,
      () =>
        eks.on(ListAssociatedAccessPoliciesCommand).resolves({ associatedAccessPolicies: [{ policyArn: CLUSTER_ADMIN, accessScope: { type: 'namespace', namespaces: ['ci'] } }] }),
    ],
    ['eks-8' as const, () => eks.on(DescribeAddonCommand).resolves({ addon: { addonName: 'vpc-cni', status: 'ACTIVE', configurationValues: '{"enableNetworkPolicy":"true"}', tags: {} } })],
    [
      'iam-3' as const,
      () => iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyName: 'AmazonS3ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }] }),
    ],
  ])('when %s is already compliant when read again', async (fixture, fixLive) => {
    // Prepare
    fixLive();

    // Act
    const outcome = await remediate(loadRequest(fixture), remediatorOptions());

    // Assess
    expect(outcome).toMatchObject({ status: 'SKIPPED', skipReason: 'compliant' });
    expect(writes()).toEqual([]);
    expect(notes()).toEqual([]);
  });

  it.each([
    ['eks-1' as const, () => eks.on(DescribeClusterCommand).rejects(new ResourceNotFoundException({ message: 'No cluster found for name: payments-prod.', $metadata: {} }))],
    ['eks-6' as const, () => eks.on(ListAssociatedAccessPoliciesCommand).resolves({ associatedAccessPolicies: [] })],
    ['lt-1' as const, () => ec2.on(DescribeLaunchTemplateVersionsCommand).rejects(Object.assign(new Error('gone'), { name: 'InvalidLaunchTemplateId.NotFound' }))],
  ])('when the resource of %s is gone', async (fixture, remove) => {
    // Prepare
    remove();

    // Act
    const outcome = await remediate(loadRequest(fixture), remediatorOptions());

    // Assess
    expect(outcome).toMatchObject({ status: 'SKIPPED', skipReason: 'gone' });
    expect(writes()).toEqual([]);
  });

  it('when the same event is delivered twice: the second delivery finds it compliant', async () => {
    // Prepare: DescribeCluster shows the fix once UpdateClusterConfig has been made.
    const fixed = payments({ resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ['203.0.113.0/24', '198.51.100.0/24'] } });
    eks.on(DescribeClusterCommand).callsFake(() => ({ cluster: eks.commandCalls(UpdateClusterConfigCommand).length > 0 ? fixed : payments() }));
    const options = remediatorOptions();

    // Act
    const first = await remediate(loadRequest('eks-1'), options);
    const second = await remediate(loadRequest('eks-1'), options);

    // Assess
    expect([first.status, second.status]).toEqual(['REMEDIATED', 'SKIPPED']);
    expect(second.skipReason).toBe('compliant');
    expect(eks.commandCalls(UpdateClusterConfigCommand)).toHaveLength(1);
    expect(notes()).toHaveLength(1);
  });

  it('when two deliveries race past the re-read, both carry the same idempotency token', async () => {
    // Prepare: both read the cluster before either call lands.
    const options = remediatorOptions();

    // Act
    await Promise.all([remediate(loadRequest('eks-2'), options), remediate(loadRequest('eks-2'), options)]);

    // Assess
    const tokens = eks.commandCalls(UpdateClusterConfigCommand).map((call) => call.args[0].input.clientRequestToken);
    expect(tokens).toEqual([token(loadRequest('eks-2')), token(loadRequest('eks-2'))]);
  });

  it('when LT.1 and LT.2 race, both versions carry both fixes, so neither undoes the other', async () => {
    // Act
    await Promise.all([remediate(loadRequest('lt-1'), remediatorOptions()), remediate(loadRequest('lt-2'), remediatorOptions())]);

    // Assess
    const data = ec2.commandCalls(CreateLaunchTemplateVersionCommand).map((call) => call.args[0].input.LaunchTemplateData);
    const both = { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled', InstanceMetadataTags: 'enabled' } };
    expect(data).toEqual([both, both]);
  });

  it('when the association or the policy is already removed, that counts as done', async () => {
    // Prepare
    eks.on(DisassociateAccessPolicyCommand).rejects(new ResourceNotFoundException({ message: 'The specified policy is not associated', $metadata: {} }));
    iam.on(DetachRolePolicyCommand).rejects(new NoSuchEntityException({ message: 'Policy arn:aws:iam::aws:policy/AdministratorAccess was not found.', $metadata: {} }));

    // Act
    const access = await remediate(loadRequest('eks-6'), remediatorOptions());
    const role = await remediate(loadRequest('iam-3'), remediatorOptions());

    // Assess
    expect(access.status).toBe('REMEDIATED');
    expect(access.summary).toContain('already been removed');
    expect(role.status).toBe('REMEDIATED');
  });

  it('in a dry run: records the exact calls on the finding, leaves its workflow NEW', async () => {
    // Prepare
    const request = loadRequest('eks-1');
    const options = remediatorOptions(remediationConfig({ remediation: { dryRun: true } }));

    // Act
    const outcome = await remediate(request, options);

    // Assess
    expect(outcome.status).toBe('DRY_RUN');
    expect(writes()).toEqual([]);
    expect(notes()).toEqual([
      {
        FindingIdentifiers: [{ Id: request.findingId, ProductArn: request.productArn }],
        Note: {
          Text: `Vigil EKS.1 (event ${request.trigger.eventId}): dry run, nothing changed. Would call: UpdateClusterConfig {"name":"payments-prod","resourcesVpcConfig":{"endpointPrivateAccess":true,"publicAccessCidrs":["203.0.113.0/24","198.51.100.0/24"]}}`,
          UpdatedBy: 'vigil-remediator',
        },
      },
    ]);
    expect(auditLine(options.log)?.extra).toMatchObject({ outcome: 'DRY_RUN', dryRun: true });
  });

  it('in a dry run for a launch template: the note names the version to be created, not a number', async () => {
    // Prepare
    const options = remediatorOptions(remediationConfig({ remediation: { dryRun: true, enabledRules: ['LT.2'] } }));

    // Act
    await remediate(loadRequest('lt-2'), options);

    // Assess
    expect(writes()).toEqual([]);
    expect(auditLine(options.log)?.extra.calls).toEqual([
      'CreateLaunchTemplateVersion {"LaunchTemplateId":"lt-0e1f2a3b4c5d6e7f8","SourceVersion":"1","VersionDescription":"Vigil remediation (LT.2) of version 1","LaunchTemplateData":{"MetadataOptions":{"HttpTokens":"optional","HttpPutResponseHopLimit":1,"HttpEndpoint":"enabled","InstanceMetadataTags":"enabled"}}}',
      'ModifyLaunchTemplate {"LaunchTemplateId":"lt-0e1f2a3b4c5d6e7f8","DefaultVersion":"(created version)"}',
    ]);
    const text = (notes()[0] as { Note: { Text: string } }).Note.Text;
    expect(text).toContain('CreateLaunchTemplateVersion {"LaunchTemplateId":"lt-0e1f2a3b4c5d6e7f8","SourceVersion":"1"');
    expect(text).toContain('ModifyLaunchTemplate {"LaunchTemplateId":"lt-0e1f2a3b4c5d6e7f8","DefaultVersion":"(created version)"}');
    expect(text.length).toBeLessThanOrEqual(512);
  });

  it.each([
    ['eks-4' as const, () => eks.on(DescribeClusterCommand).resolves({ cluster: payments({ accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' } }) }), 'only moves CONFIG_MAP'],
    [
      'iam-3' as const,
      () => {
        // The admin grant is an inline policy: reported, never rewritten.
        iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [], IsTruncated: false });
        iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['bootstrap'], IsTruncated: false });
        iam.on(GetRolePolicyCommand).resolves({
          RoleName: 'payments-api-irsa',
          PolicyName: 'bootstrap',
          PolicyDocument: encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }] })),
        });
      },
      'reports only',
    ],
  ])('when %s is something the remediation must not touch: noted, not changed', async (fixture, setUp, phrase) => {
    // Prepare
    setUp();

    // Act
    const outcome = await remediate(loadRequest(fixture), remediatorOptions());

    // Assess
    expect(outcome.status).toBe('NOT_REMEDIATED');
    expect(outcome.summary).toContain(phrase);
    expect(writes()).toEqual([]);
    expect(notes()).toEqual([expect.not.objectContaining({ Workflow: expect.anything() })]);
  });

  it('when a regional resource is in another region than the remediator', async () => {
    // Act
    const outcome = await remediate(loadRequest('eks-1'), remediatorOptions(remediationConfig(), { region: 'us-east-1' }));

    // Assess
    expect(outcome).toMatchObject({ status: 'SKIPPED', skipReason: 'other-region' });
    expect(eks.calls()).toHaveLength(0);
  });

  it('but an IAM role is global: IAM.3 acts from the region IAM events arrive in', async () => {
    // Act
    const outcome = await remediate(loadRequest('iam-3'), remediatorOptions(remediationConfig(), { region: 'us-east-1' }));

    // Assess
    expect(outcome.status).toBe('REMEDIATED');
  });

  it('when the resource is in another account than the remediator', async () => {
    // Prepare
    const request = loadRequest('eks-1');
    request.resource.accountId = '444455556666';

    // Act
    const outcome = await remediate(request, remediatorOptions());

    // Assess
    expect(outcome).toMatchObject({ status: 'SKIPPED', skipReason: 'other-account' });
    expect(eks.calls()).toHaveLength(0);
  });
});

describe('remediator failures never hide the finding', () => {
  beforeEach(() => {
    serveViolatingWorld();
  });

  it('records a failed repair on the finding, which stays FAILED and NEW', async () => {
    // Prepare
    eks.on(UpdateClusterConfigCommand).rejects(new InvalidParameterException({ message: 'Public access CIDRs are invalid', $metadata: {} }));
    const request = loadRequest('eks-1');
    const options = remediatorOptions();

    // Act
    const outcome = await remediate(request, options);

    // Assess
    expect(outcome.status).toBe('FAILED');
    expect(notes()).toEqual([
      {
        FindingIdentifiers: [{ Id: request.findingId, ProductArn: request.productArn }],
        Note: {
          Text: `Vigil EKS.1 (event ${request.trigger.eventId}): remediation failed, the finding stays FAILED. InvalidParameterException: Public access CIDRs are invalid`,
          UpdatedBy: 'vigil-remediator',
        },
      },
    ]);
    expect(auditLine(options.log)?.level).toBe('error');
  });

  it('records a transient failure, then throws so that Lambda retries the request', async () => {
    // Prepare
    eks.on(AssociateEncryptionConfigCommand).rejects(new ServerException({ message: 'internal error', $metadata: { httpStatusCode: 500 } }));

    // Act
    const attempt = remediate(loadRequest('eks-3'), remediatorOptions());

    // Assess
    await expect(attempt).rejects.toThrow(ServerException);
    expect(notes()).toHaveLength(1);
    expect(notes()[0]).not.toHaveProperty('Workflow');
  });

  it('keeps the repair when the note cannot be written, and says so in the log', async () => {
    // Prepare
    securityHub.on(BatchUpdateFindingsCommand).resolves({
      ProcessedFindings: [],
      UnprocessedFindings: [{ FindingIdentifier: { Id: 'x', ProductArn: 'y' }, ErrorCode: 'FindingNotFound', ErrorMessage: 'not found' }],
    });
    const options = remediatorOptions();

    // Act
    const outcome = await remediate(loadRequest('eks-4'), options);

    // Assess
    expect(outcome).toMatchObject({ status: 'REMEDIATED', noted: false });
    expect(options.log.lines.some((line) => line.level === 'error' && line.message === 'remediation note not recorded on the finding')).toBe(true);
  });
});

describe('remediator: a busy resource is read again before acting', () => {
  beforeEach(() => {
    serveViolatingWorld();
  });

  it('waits while the new cluster is CREATING, then repairs it', async () => {
    // Prepare
    eks.on(DescribeClusterCommand).resolvesOnce({ cluster: payments({ status: 'CREATING' }) }).resolves({ cluster: payments() });
    const waits: number[] = [];
    const options = remediatorOptions(remediationConfig(), { remainingMs: () => 600_000, pollMs: 30_000, sleep: async (ms) => void waits.push(ms) });

    // Act
    const outcome = await remediate(loadRequest('eks-2'), options);

    // Assess
    expect(outcome.status).toBe('REMEDIATED');
    expect(waits).toEqual([30_000]);
    expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(2);
    expect(eks.commandCalls(UpdateClusterConfigCommand)).toHaveLength(1);
  });

  it('reads again after ResourceInUseException (another update in progress), then repairs', async () => {
    // Prepare
    eks.on(UpdateClusterConfigCommand)
      .rejectsOnce(new ResourceInUseException({ message: 'Cluster has an update in progress', $metadata: {} }))
      .resolves({ update: { id: 'u-2', status: 'InProgress' } });
    const options = remediatorOptions(remediationConfig(), { remainingMs: () => 600_000 });

    // Act
    const outcome = await remediate(loadRequest('eks-4'), options);

    // Assess
    expect(outcome.status).toBe('REMEDIATED');
    expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(2);
    expect(eks.commandCalls(UpdateClusterConfigCommand)).toHaveLength(2);
  });

  it('hands the request back for a retry when the wait would outlast the invocation', async () => {
    // Prepare
    eks.on(DescribeClusterCommand).resolves({ cluster: payments({ status: 'UPDATING' }) });

    // Act
    const attempt = remediate(loadRequest('eks-1'), remediatorOptions(remediationConfig(), { remainingMs: () => 0 }));

    // Assess
    await expect(attempt).rejects.toThrow(RetryLaterError);
    expect(writes()).toEqual([]);
    expect(notes()).toEqual([]);
  });
});
