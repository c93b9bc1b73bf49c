/**
 * The live world of the remediation fixtures behind aws-sdk-client-mock: every resource as the
 * failing event left it. The SDK clients are mocked once here, for the test file that imports it.
 */
import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import {
  AssociateEncryptionConfigCommand,
  DescribeAccessEntryCommand,
  DescribeAddonCommand,
  DescribeClusterCommand,
  DisassociateAccessPolicyCommand,
  EKSClient,
  ListAssociatedAccessPoliciesCommand,
  UpdateAddonCommand,
  UpdateClusterConfigCommand,
} from '@aws-sdk/client-eks';
import { DetachRolePolicyCommand, GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { BatchUpdateFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { payments, paymentsNodesVersion } from './support.ts';

export const ec2 = mockClient(EC2Client);
export const eks = mockClient(EKSClient);
export const iam = mockClient(IAMClient);
export const securityHub = mockClient(SecurityHubClient);

export const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';
export const CLUSTER_ADMIN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';
export const CI_DEPLOYER = 'arn:aws:iam::111122223333:role/ci-deployer';
const IRSA_TRUST = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/5C4B1A7D9E2F8A3B6C0D1E2F3A4B5C6D' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { 'oidc.eks.eu-west-1.amazonaws.com/id/5C4B1A7D9E2F8A3B6C0D1E2F3A4B5C6D:sub': 'system:serviceaccount:payments:payments-api' } },
    },
  ],
};
/** The vpc-cni configuration as an operator wrote it: JSON, two-space indent, network policy off. */
export const VPC_CNI_VALUES = '{\n  "env": {\n    "WARM_IP_TARGET": "5",\n    "ENABLE_PREFIX_DELEGATION": "true"\n  },\n  "enableNetworkPolicy": "false"\n}';

/** The live world as the fixtures left it: every resource violates its rule. */
export function serveViolatingWorld(): void {
  ec2.reset();
  eks.reset();
  iam.reset();
  securityHub.reset();
  ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({ LaunchTemplateVersions: [paymentsNodesVersion()] });
  ec2.on(DescribeLaunchTemplatesCommand).resolves({
    LaunchTemplates: [{ LaunchTemplateId: 'lt-0e1f2a3b4c5d6e7f8', LaunchTemplateName: 'payments-nodes', DefaultVersionNumber: 1, LatestVersionNumber: 1, Tags: [{ Key: 'team', Value: 'payments' }] }],
  });
  ec2.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { LaunchTemplateId: 'lt-0e1f2a3b4c5d6e7f8', VersionNumber: 2 } });
  ec2.on(ModifyLaunchTemplateCommand).resolves({ LaunchTemplate: { LaunchTemplateId: 'lt-0e1f2a3b4c5d6e7f8', DefaultVersionNumber: 2 } });

  eks.on(DescribeClusterCommand).resolves({ cluster: payments() });
  eks.on(UpdateClusterConfigCommand).resolves({ update: { id: '8d1f3b5a-7c9e-4a2b-b4d6-f8a0c2e4b6d8', status: 'InProgress' } });
  eks.on(AssociateEncryptionConfigCommand).resolves({ update: { id: '1a3c5e7b-9d2f-4b6a-8c0e-2d4f6a8c0e1b', status: 'InProgress' } });
  eks.on(DescribeAccessEntryCommand).resolves({ accessEntry: { clusterName: 'analytics-prod', principalArn: CI_DEPLOYER, type: 'STANDARD', tags: { owner: 'ci' } } });
  eks.on(ListAssociatedAccessPoliciesCommand).resolves({
    clusterName: 'analytics-prod',
    principalArn: CI_DEPLOYER,
    associatedAccessPolicies: [{ policyArn: CLUSTER_ADMIN, accessScope: { type: 'cluster', namespaces: [] } }],
  });
  eks.on(DisassociateAccessPolicyCommand).resolves({});
  eks.on(DescribeAddonCommand).resolves({
    addon: { addonName: 'vpc-cni', clusterName: 'batch-dev', status: 'ACTIVE', addonVersion: 'v1.19.2-eksbuild.1', configurationValues: VPC_CNI_VALUES, tags: {} },
  });
  eks.on(UpdateAddonCommand).resolves({ update: { id: '4e6a8c0b-2d4f-4a6c-9e1b-3d5f7a9c1e2d', status: 'InProgress' } });

  iam.on(GetRoleCommand).resolves({
    Role: {
      RoleName: 'payments-api-irsa',
      Path: '/',
      RoleId: 'AROA5EXAMPLEPAYMENTS1',
      Arn: 'arn:aws:iam::111122223333:role/payments-api-irsa',
      CreateDate: new Date('2025-01-02T09:00:00Z'),
      AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(IRSA_TRUST)),
      Tags: [{ Key: 'team', Value: 'payments' }],
    },
  });
  iam.on(ListAttachedRolePoliciesCommand).resolves({
    AttachedPolicies: [
      { PolicyName: 'AmazonS3ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' },
      { PolicyName: 'AdministratorAccess', PolicyArn: ADMIN_POLICY },
    ],
    IsTruncated: false,
  });
  iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [], IsTruncated: false });
  iam.on(DetachRolePolicyCommand).resolves({});

  securityHub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
}

