import { defineRule } from '../types.ts';
import { accessPolicyName, isAllowListed, listOf } from './common.ts';

/**
 * Access policies that let a principal write, exec into pods or read secrets in a namespace. The
 * catalogue names Edit, Admin and ClusterAdmin; the EMR guidance also forbids reading secrets,
 * which AdminView and SecretReader grant.
 */
export const NAMESPACE_WRITE_POLICIES: readonly string[] = [
  'AmazonEKSClusterAdminPolicy',
  'AmazonEKSAdminPolicy',
  'AmazonEKSEditPolicy',
  'AmazonEKSAdminViewPolicy',
  'AmazonEKSSecretReaderPolicy',
];

/** EKS access scopes accept a trailing `*` (`dev-*` is every namespace starting with `dev-`). */
function covers(pattern: string, namespace: string): boolean {
  return pattern.endsWith('*') ? namespace.startsWith(pattern.slice(0, -1)) : pattern === namespace;
}

export const eks7EmrNamespaceAccess = defineRule({
  id: 'EKS.7',
  title: 'Job submitters get no write, exec or secret-read access in EMR on EKS namespaces',
  severity: 'HIGH',
  description:
    'EMR on EKS builds job pods from config maps in the namespaces its virtual clusters use and mounts the execution role\'s web identity token in them. A principal that can edit config maps, exec into or create pods, or read secrets there can run code as, or take the credentials of, any execution role. Principals in adminPrincipalArns are administrators, not job submitters, and are not judged.',
  recommendation: {
    text: 'Disassociate the access policy, or re-scope it to namespaces no EMR on EKS virtual cluster uses; give job submitters only emr-containers permissions (StartJobRun) and, if needed, AmazonEKSViewPolicy.',
    url: 'https://docs.aws.amazon.com/emr/latest/EMR-on-EKS-DevelopmentGuide/security-best-practices.html',
  },
  source: 'Amazon EMR on EKS security best practices: Role-based access control (RBAC) permissions',
  resourceKinds: ['eks-access-policy'],
  triggers: [{ service: 'eks', eventNames: ['AssociateAccessPolicy'] }],
  reads: ['emr-containers:ListVirtualClusters'],
  evaluate({ state }, { config }) {
    const policy = accessPolicyName(state.policyArn);
    if (!NAMESPACE_WRITE_POLICIES.includes(policy)) {
      return { status: 'NOT_APPLICABLE', summary: `${policy} grants no write, exec or secret-read access.` };
    }
    const evidence = { principalArn: state.principalArn, policyArn: state.policyArn, accessScope: state.accessScope.type };
    if (isAllowListed(state.principalArn, config.adminPrincipalArns)) {
      return { status: 'PASSED', summary: `EKS cluster ${state.clusterName} grants ${policy} to allow-listed administrator ${state.principalArn}.`, evidence };
    }
    if (state.emrNamespaces === undefined) {
      return { status: 'NEEDS', readers: ['emr-containers:ListVirtualClusters'], why: 'which namespaces EMR on EKS virtual clusters use is not in the event' };
    }
    const scope = state.accessScope;
    const covered = scope.type === 'cluster' ? [...state.emrNamespaces] : state.emrNamespaces.filter((ns) => scope.namespaces.some((pattern) => covers(pattern, ns)));
    const emrEvidence = { ...evidence, emrNamespaces: state.emrNamespaces.join(',') };
    if (covered.length > 0) {
      const where = scope.type === 'cluster' ? 'cluster-wide, including' : 'in';
      return {
        status: 'FAILED',
        summary: `EKS cluster ${state.clusterName} grants ${policy} to ${state.principalArn} ${where} EMR on EKS namespace${covered.length > 1 ? 's' : ''} ${listOf(covered)}.`,
        evidence: { ...emrEvidence, coveredNamespaces: covered.join(',') },
      };
    }
    return {
      status: 'PASSED',
      summary:
        state.emrNamespaces.length === 0
          ? `EKS cluster ${state.clusterName} runs no EMR on EKS virtual cluster, so ${policy} for ${state.principalArn} reaches no EMR namespace.`
          : `EKS cluster ${state.clusterName} grants ${policy} to ${state.principalArn} outside the EMR on EKS namespaces.`,
      evidence: emrEvidence,
    };
  },
});
