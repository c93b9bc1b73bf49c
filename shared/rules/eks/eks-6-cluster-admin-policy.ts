import { defineRule } from '../types.ts';
import { accessPolicyName, isAllowListed, listOf } from './common.ts';

/** The access policies that make a principal an administrator of the whole cluster at cluster scope. */
export const CLUSTER_ADMIN_POLICIES: readonly string[] = ['AmazonEKSClusterAdminPolicy', 'AmazonEKSAdminPolicy'];

export const eks6ClusterAdminPolicy = defineRule({
  id: 'EKS.6',
  title: 'EKS cluster-wide admin access policies are held only by allow-listed principals',
  severity: 'HIGH',
  description:
    'AmazonEKSClusterAdminPolicy or AmazonEKSAdminPolicy at cluster scope gives an IAM principal control of every namespace, secret and workload in the cluster. Only the principals in adminPrincipalArns should hold it; roles are matched by name, whatever their path.',
  recommendation: {
    text: 'Disassociate the policy (aws eks disassociate-access-policy), or scope a narrower policy to the namespaces the principal needs; add genuine administrators to adminPrincipalArns.',
    url: 'https://docs.aws.amazon.com/eks/latest/userguide/access-policies.html',
  },
  source: 'Securing Kubernetes workloads in Amazon EKS (re:Invent CON335): access entries map IAM identities to EKS access policies, scoped to the cluster or to namespaces',
  resourceKinds: ['eks-access-policy'],
  triggers: [{ service: 'eks', eventNames: ['AssociateAccessPolicy'] }],
  reads: [],
  evaluate({ state }, { config }) {
    const policy = accessPolicyName(state.policyArn);
    if (!CLUSTER_ADMIN_POLICIES.includes(policy)) {
      return { status: 'NOT_APPLICABLE', summary: `${policy} is not a cluster administrator access policy.` };
    }
    const evidence = { principalArn: state.principalArn, policyArn: state.policyArn, accessScope: state.accessScope.type };
    // An association re-scoped from cluster to namespaces resolves its earlier finding.
    if (state.accessScope.type !== 'cluster') {
      return {
        status: 'PASSED',
        summary: `EKS cluster ${state.clusterName} grants ${policy} to ${state.principalArn} only in namespace${state.accessScope.namespaces.length > 1 ? 's' : ''} ${listOf(state.accessScope.namespaces)}.`,
        evidence,
      };
    }
    if (isAllowListed(state.principalArn, config.adminPrincipalArns)) {
      return { status: 'PASSED', summary: `EKS cluster ${state.clusterName} grants ${policy} at cluster scope to allow-listed administrator ${state.principalArn}.`, evidence };
    }
    return {
      status: 'FAILED',
      summary: `EKS cluster ${state.clusterName} grants ${policy} at cluster scope to ${state.principalArn}, which is not in the admin allow-list.`,
      evidence,
    };
  },
});
