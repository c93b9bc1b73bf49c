/**
 * Per resource kind: how findings name it, its ASFF resource type and details, and which live
 * reader tells its tags (for exemptions). One table, so the finding builder stays generic.
 */
import type { ResourceDetails } from '@aws-sdk/client-securityhub';
import type { AsffResourceType, ResourceKind } from '../model.ts';
import type { ReaderId, StateByKind, Subject, Tags } from './types.ts';

export interface KindDescriptor<K extends ResourceKind> {
  /** How a sentence names it: "EKS cluster", "IAM role". */
  label: string;
  asffType: AsffResourceType;
  /** The reader that returns the resource's tags, if the resource can carry tags. */
  tagsReader?: ReaderId;
  /** ASFF `Resources[].Details` from what is known. Keep it small: findings are capped at 240 KB. */
  details(state: StateByKind[K]): ResourceDetails;
}

function other(values: Record<string, string | number | boolean | undefined | null>): ResourceDetails {
  const entries = Object.entries(values)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined && entry[1] !== null)
    .map(([key, value]) => [key, String(value).slice(0, 1024)]);
  return { Other: Object.fromEntries(entries) };
}

export const KINDS: { [K in ResourceKind]: KindDescriptor<K> } = {
  'launch-template': {
    label: 'EC2 launch template',
    asffType: 'AwsEc2LaunchTemplate',
    tagsReader: 'ec2:DescribeLaunchTemplates',
    details: (state) => ({
      AwsEc2LaunchTemplate: {
        ...(state.launchTemplateId ? { Id: state.launchTemplateId } : {}),
        ...(state.launchTemplateName ? { LaunchTemplateName: state.launchTemplateName } : {}),
        LaunchTemplateData: {
          ...(state.imageId ? { ImageId: state.imageId } : {}),
          ...(state.metadataOptions
            ? {
                MetadataOptions: {
                  ...(state.metadataOptions.httpTokens ? { HttpTokens: state.metadataOptions.httpTokens } : {}),
                  ...(typeof state.metadataOptions.httpPutResponseHopLimit === 'number'
                    ? { HttpPutResponseHopLimit: state.metadataOptions.httpPutResponseHopLimit }
                    : {}),
                  ...(state.metadataOptions.httpEndpoint ? { HttpEndpoint: state.metadataOptions.httpEndpoint } : {}),
                },
              }
            : {}),
        },
      },
    }),
  },
  'eks-cluster': {
    label: 'EKS cluster',
    asffType: 'AwsEksCluster',
    tagsReader: 'eks:DescribeCluster',
    details: (state) => {
      const enabledLogTypes = Object.entries(state.logging ?? {})
        .filter(([, enabled]) => enabled)
        .map(([type]) => type);
      return {
        AwsEksCluster: {
          Name: state.clusterName,
          ...(state.kubernetesVersion ? { Version: state.kubernetesVersion } : {}),
          ...(state.status ? { Status: state.status } : {}),
          ...(state.endpointPublicAccess !== undefined || state.subnetIds
            ? {
                ResourcesVpcConfig: {
                  ...(state.subnetIds ? { SubnetIds: [...state.subnetIds] } : {}),
                  ...(state.endpointPublicAccess !== undefined ? { EndpointPublicAccess: state.endpointPublicAccess } : {}),
                },
              }
            : {}),
          ...(state.logging ? { Logging: { ClusterLogging: [{ Enabled: enabledLogTypes.length > 0, Types: enabledLogTypes }] } } : {}),
        },
      };
    },
  },
  'eks-nodegroup': {
    label: 'EKS node group',
    asffType: 'Other',
    tagsReader: 'eks:DescribeNodegroup',
    details: (state) =>
      other({
        clusterName: state.clusterName,
        nodegroupName: state.nodegroupName,
        nodeRoleArn: state.nodeRoleArn,
        launchTemplateId: state.launchTemplate?.id,
        launchTemplateName: state.launchTemplate?.name,
        launchTemplateVersion: state.launchTemplate?.version,
      }),
  },
  'eks-addon': {
    label: 'EKS add-on',
    asffType: 'Other',
    tagsReader: 'eks:DescribeAddon',
    details: (state) => other({ clusterName: state.clusterName, addonName: state.addonName }),
  },
  'eks-access-policy': {
    label: 'EKS access policy association',
    asffType: 'Other',
    details: (state) =>
      other({
        clusterName: state.clusterName,
        principalArn: state.principalArn,
        policyArn: state.policyArn,
        accessScopeType: state.accessScope.type,
        accessScopeNamespaces: state.accessScope.namespaces.join(','),
      }),
  },
  'eks-pod-identity': {
    label: 'EKS Pod Identity association',
    asffType: 'Other',
    tagsReader: 'eks:DescribePodIdentityAssociation',
    details: (state) =>
      other({
        clusterName: state.clusterName,
        associationId: state.associationId,
        namespace: state.namespace,
        serviceAccount: state.serviceAccount,
        roleArn: state.roleArn,
      }),
  },
  'iam-role': {
    label: 'IAM role',
    asffType: 'AwsIamRole',
    tagsReader: 'iam:GetRole',
    details: (state) => ({
      AwsIamRole: {
        RoleName: state.roleName,
        ...(state.trustPolicy ? { AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(state.trustPolicy)).slice(0, 131072) } : {}),
        ...(state.attachedPolicyArns
          ? {
              AttachedManagedPolicies: state.attachedPolicyArns.slice(0, 50).map((arn) => ({
                PolicyArn: arn,
                PolicyName: arn.slice(arn.lastIndexOf('/') + 1),
              })),
            }
          : {}),
      },
    }),
  },
  'emr-virtual-cluster': {
    label: 'EMR on EKS virtual cluster',
    asffType: 'Other',
    tagsReader: 'emr-containers:DescribeVirtualCluster',
    details: (state) =>
      other({
        virtualClusterId: state.virtualClusterId,
        name: state.name,
        eksCluster: state.clusterName,
        namespace: state.namespace,
        jobRunId: state.workload?.id,
        executionRoleArn: state.workload?.executionRoleArn,
        releaseLabel: state.workload?.releaseLabel,
      }),
  },
  'emr-managed-endpoint': {
    label: 'EMR on EKS managed endpoint',
    asffType: 'Other',
    tagsReader: 'emr-containers:DescribeManagedEndpoint',
    details: (state) =>
      other({
        virtualClusterId: state.virtualClusterId,
        endpointId: state.endpointId,
        executionRoleArn: state.workload?.executionRoleArn,
        releaseLabel: state.workload?.releaseLabel,
        eksCluster: state.clusterName,
      }),
  },
  'emr-job-template': {
    label: 'EMR on EKS job template',
    asffType: 'Other',
    tagsReader: 'emr-containers:DescribeJobTemplate',
    details: (state) =>
      other({
        jobTemplateId: state.jobTemplateId,
        executionRoleArn: state.workload?.executionRoleArn,
        releaseLabel: state.workload?.releaseLabel,
      }),
  },
};

export function describeSubject(subject: Subject): ResourceDetails {
  const descriptor = KINDS[subject.kind] as KindDescriptor<typeof subject.kind>;
  return descriptor.details(subject.state as never);
}

/** Rule IDs a resource is exempt from, per its exemption tag (`EKS.1,EKS.2` or `all`). */
export function exemptRules(tags: Tags | undefined, tagKey: string): ReadonlySet<string> | 'all' {
  const value = tags?.[tagKey];
  if (value === undefined) return new Set();
  const ids = value
    .split(/[\s,;]+/)
    .map((id) => id.trim().toUpperCase())
    .filter(Boolean);
  return ids.includes('ALL') ? 'all' : new Set(ids);
}

export function isExempt(tags: Tags | undefined, tagKey: string, ruleId: string): boolean {
  const exempt = exemptRules(tags, tagKey);
  return exempt === 'all' || exempt.has(ruleId.toUpperCase());
}
