/**
 * Live readers (Describe/List calls) for eks resources. Each declares its IAM actions. The EKS
 * function carries them all, including the EMR on EKS listing that EKS.7 needs: a reader's kind
 * is the kind of the subject it fills, not the service it calls.
 */
import { DescribeAddonCommand, DescribeClusterCommand, DescribeNodegroupCommand, DescribePodIdentityAssociationCommand, EKSClient } from '@aws-sdk/client-eks';
import { EMRContainersClient, ListVirtualClustersCommand } from '@aws-sdk/client-emr-containers';
import type { ClusterState, StateReader } from '../../state/types.ts';
import { configurationValuesOf, fullLogging, launchTemplateOf, secretsKeyArnOf } from './shapes.ts';

function attr(attrs: Readonly<Record<string, string>>, key: string): string {
  const value = attrs[key];
  if (!value) throw new Error(`resource reference lacks ${key}`);
  return value;
}

export const describeCluster: StateReader<'eks-cluster'> = {
  id: 'eks:DescribeCluster',
  kind: 'eks-cluster',
  actions: ['eks:DescribeCluster'],
  async read(subject, aws) {
    const clusterName = attr(subject.ref.attrs, 'clusterName');
    const { cluster } = await aws.client(EKSClient, subject.ref.region).send(new DescribeClusterCommand({ name: clusterName }));
    if (!cluster) return { found: false };
    const vpc = cluster.resourcesVpcConfig;
    const state: Partial<ClusterState> = {
      clusterName,
      endpointPublicAccess: vpc?.endpointPublicAccess,
      endpointPrivateAccess: vpc?.endpointPrivateAccess,
      publicAccessCidrs: vpc?.publicAccessCidrs,
      logging: fullLogging(cluster.logging),
      secretsKeyArn: secretsKeyArnOf(cluster.encryptionConfig) ?? null,
      authenticationMode: cluster.accessConfig?.authenticationMode,
      bootstrapClusterCreatorAdminPermissions: cluster.accessConfig?.bootstrapClusterCreatorAdminPermissions,
      kubernetesVersion: cluster.version,
      vpcId: vpc?.vpcId,
      subnetIds: vpc?.subnetIds,
      oidcIssuer: cluster.identity?.oidc?.issuer ?? null,
      status: cluster.status,
      tags: cluster.tags ?? {},
    };
    return { found: true, state };
  },
};

export const describeNodegroup: StateReader<'eks-nodegroup'> = {
  id: 'eks:DescribeNodegroup',
  kind: 'eks-nodegroup',
  actions: ['eks:DescribeNodegroup'],
  async read(subject, aws) {
    const clusterName = attr(subject.ref.attrs, 'clusterName');
    const nodegroupName = attr(subject.ref.attrs, 'nodegroupName');
    const { nodegroup } = await aws.client(EKSClient, subject.ref.region).send(new DescribeNodegroupCommand({ clusterName, nodegroupName }));
    if (!nodegroup) return { found: false };
    return {
      found: true,
      state: {
        clusterName,
        nodegroupName,
        nodeRoleArn: nodegroup.nodeRole,
        launchTemplate: launchTemplateOf(nodegroup.launchTemplate),
        tags: nodegroup.tags ?? {},
      },
    };
  },
};

export const describeAddon: StateReader<'eks-addon'> = {
  id: 'eks:DescribeAddon',
  kind: 'eks-addon',
  actions: ['eks:DescribeAddon'],
  async read(subject, aws) {
    const clusterName = attr(subject.ref.attrs, 'clusterName');
    const addonName = attr(subject.ref.attrs, 'addonName');
    const { addon } = await aws.client(EKSClient, subject.ref.region).send(new DescribeAddonCommand({ clusterName, addonName }));
    if (!addon) return { found: false };
    return {
      found: true,
      state: {
        clusterName,
        addonName,
        // DescribeAddon omits configurationValues when the add-on runs with its defaults.
        configurationValues: addon.configurationValues === undefined ? null : configurationValuesOf(addon.configurationValues),
        tags: addon.tags ?? {},
      },
    };
  },
};

export const describePodIdentityAssociation: StateReader<'eks-pod-identity'> = {
  id: 'eks:DescribePodIdentityAssociation',
  kind: 'eks-pod-identity',
  actions: ['eks:DescribePodIdentityAssociation'],
  async read(subject, aws) {
    const clusterName = attr(subject.ref.attrs, 'clusterName');
    const associationId = attr(subject.ref.attrs, 'associationId');
    const { association } = await aws
      .client(EKSClient, subject.ref.region)
      .send(new DescribePodIdentityAssociationCommand({ clusterName, associationId }));
    if (!association) return { found: false };
    return {
      found: true,
      state: {
        clusterName,
        associationId,
        namespace: association.namespace,
        serviceAccount: association.serviceAccount,
        roleArn: association.roleArn,
        tags: association.tags ?? {},
      },
    };
  },
};

/** EMR on EKS runs a virtual cluster in this namespace when CreateVirtualCluster names none. */
const EMR_DEFAULT_NAMESPACE = 'default';

/**
 * Namespaces of the running EMR on EKS virtual clusters on the association's cluster (EKS.7).
 * The filter is also applied to each item: the listing's own filters are a convenience, and a
 * virtual cluster of another cluster must never count.
 */
export const listEmrNamespaces: StateReader<'eks-access-policy'> = {
  id: 'emr-containers:ListVirtualClusters',
  kind: 'eks-access-policy',
  actions: ['emr-containers:ListVirtualClusters'],
  async read(subject, aws) {
    const clusterName = attr(subject.ref.attrs, 'clusterName');
    const client = aws.client(EMRContainersClient, subject.ref.region);
    const namespaces = new Set<string>();
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListVirtualClustersCommand({ containerProviderId: clusterName, containerProviderType: 'EKS', states: ['RUNNING'], nextToken }),
      );
      for (const virtualCluster of page.virtualClusters ?? []) {
        const provider = virtualCluster.containerProvider;
        if (virtualCluster.state !== 'RUNNING' || provider?.type !== 'EKS' || provider.id !== clusterName) continue;
        namespaces.add(provider.info?.eksInfo?.namespace ?? EMR_DEFAULT_NAMESPACE);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return { found: true, state: { emrNamespaces: [...namespaces].sort() } };
  },
};

export const EKS_READERS: readonly StateReader[] = [describeCluster, describeNodegroup, describeAddon, describePodIdentityAssociation, listEmrNamespaces];
