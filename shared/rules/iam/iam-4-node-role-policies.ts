import { awsManagedPolicyName } from '../../policy/analysis.ts';
import { policyNameOf, rolePermissions } from '../../policy/role.ts';
import { defineRule } from '../types.ts';
import { applicability, listOf, NODE_ONLY, ROLE_READER } from './common.ts';

/** What an EKS node needs (AmazonEKSWorkerNodeMinimalPolicy is EKS Auto Mode's worker policy). */
export const NODE_POLICY_NAMES: readonly string[] = [
  'AmazonEKSWorkerNodePolicy',
  'AmazonEKSWorkerNodeMinimalPolicy',
  'AmazonEC2ContainerRegistryReadOnly',
  'AmazonEC2ContainerRegistryPullOnly',
  'AmazonEKS_CNI_Policy',
  'AmazonSSMManagedInstanceCore',
];

export const iam4NodeRolePolicies = defineRule({
  id: 'IAM.4',
  title: 'EKS node role carries only node permissions',
  severity: 'MEDIUM',
  description:
    "Every pod on a node that can reach the instance metadata service gets the node role's credentials. Permissions beyond what the node itself needs (worker node, container registry pull, VPC CNI, SSM) are shared with all of those pods; they belong on the workload's own IRSA or Pod Identity role.",
  recommendation: {
    text: 'Move the extra permissions to IRSA or EKS Pod Identity roles of the workloads that need them, and detach them (and delete inline policies) from the node role. List deliberate exceptions in nodeRoleExtraPolicies.',
    url: 'https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html',
  },
  source: 'EMR on EKS security best practices, "Restrict access to nodegroup IAM role or instance profile credentials" (seeds 001; 000 in Chinese); Amazon EKS security best practices on IMDS (seed 002, in Chinese)',
  resourceKinds: ['iam-role'],
  triggers: [
    { service: 'iam', eventNames: ['AttachRolePolicy', 'DetachRolePolicy', 'PutRolePolicy', 'DeleteRolePolicy', 'UpdateAssumeRolePolicy'] },
    { service: 'eks', eventNames: ['CreateNodegroup'] },
  ],
  reads: [ROLE_READER.trust, ROLE_READER.permissions],
  evaluate({ ref, state }, { config }) {
    const scope = applicability(ref.name, state, NODE_ONLY, 'an EKS node role');
    if (!scope.applies) return scope.evaluation;
    const permissions = rolePermissions(state);
    const allowed = (policyArn: string) =>
      NODE_POLICY_NAMES.includes(awsManagedPolicyName(policyArn) ?? '') || config.nodeRoleExtraPolicies.includes(policyArn);
    const extraManaged = permissions.attachedPolicyArns.filter((policyArn) => !allowed(policyArn));
    const extraInline = Object.keys(permissions.inlinePolicies);
    const extras = [...extraManaged.map((policyArn) => `managed policy ${policyNameOf(policyArn)}`), ...extraInline.map((name) => `inline policy ${name}`)];
    if (extras.length > 0) {
      return {
        status: 'FAILED',
        summary: `IAM role ${ref.name} (EKS node role) carries permissions beyond the node's own: ${listOf(extras)}.`,
        evidence: { extraManagedPolicies: extraManaged.join(', ') || 'none', extraInlinePolicies: extraInline.join(', ') || 'none' },
      };
    }
    if (state.attachedPolicyArns === undefined || state.inlinePolicies === undefined) {
      return { status: 'NEEDS', readers: [ROLE_READER.permissions], why: 'the node role’s attached and inline policies' };
    }
    return {
      status: 'PASSED',
      summary: `IAM role ${ref.name} (EKS node role) carries only node policies.`,
      evidence: { attachedPolicies: permissions.attachedPolicyArns.join(', ') || 'none' },
    };
  },
});
