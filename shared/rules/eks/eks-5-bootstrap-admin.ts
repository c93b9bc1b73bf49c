import { defineRule } from '../types.ts';

export const eks5BootstrapAdmin = defineRule({
  id: 'EKS.5',
  title: 'EKS cluster creator is not made a permanent cluster admin',
  severity: 'LOW',
  description:
    'With bootstrapClusterCreatorAdminPermissions on, the IAM identity that created the cluster silently becomes a cluster administrator (an access entry with AmazonEKSClusterAdminPolicy, or an invisible aws-auth mapping in CONFIG_MAP mode), often a CI role or a person who should not keep that power.',
  recommendation: {
    text: 'Create clusters with bootstrapClusterCreatorAdminPermissions=false and grant administrators explicit access entries; for an existing cluster, review the creator\'s access entry and delete it if it is not needed.',
    url: 'https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html',
  },
  source: 'Securing Kubernetes workloads in Amazon EKS (re:Invent CON335): the IAM identity that creates a cluster is automatically granted admin access',
  resourceKinds: ['eks-cluster'],
  triggers: [{ service: 'eks', eventNames: ['CreateCluster'] }],
  reads: ['eks:DescribeCluster'],
  evaluate({ ref, state }) {
    const bootstrap = state.bootstrapClusterCreatorAdminPermissions;
    if (bootstrap === undefined || bootstrap === null) {
      return { status: 'NEEDS', readers: ['eks:DescribeCluster'], why: 'the event does not say whether the creator was made an admin' };
    }
    if (bootstrap) {
      return {
        status: 'FAILED',
        summary: `EKS cluster ${ref.name} made its creator a cluster administrator (bootstrapClusterCreatorAdminPermissions is true).`,
        evidence: { bootstrapClusterCreatorAdminPermissions: 'true' },
      };
    }
    return {
      status: 'PASSED',
      summary: `EKS cluster ${ref.name} did not make its creator a cluster administrator.`,
      evidence: { bootstrapClusterCreatorAdminPermissions: 'false' },
    };
  },
});
