import { awsManagedPolicyName } from '../../policy/analysis.ts';
import { rolePermissions } from '../../policy/role.ts';
import { defineRule } from '../types.ts';
import { applicability, NODE_ONLY, ROLE_READER } from './common.ts';

const CNI_POLICY = 'AmazonEKS_CNI_Policy';

export const iam5CniPolicyNotOnNodeRole = defineRule({
  id: 'IAM.5',
  title: "The VPC CNI's AmazonEKS_CNI_Policy is not on the EKS node role",
  severity: 'LOW',
  description:
    "AmazonEKS_CNI_Policy lets its holder create, attach and delete network interfaces and assign IP addresses. On the node role, every pod that can reach the instance metadata service holds it; on a dedicated IRSA or Pod Identity role for the aws-node service account, only the VPC CNI does.",
  recommendation: {
    text: 'Create an IRSA or Pod Identity role with AmazonEKS_CNI_Policy for the kube-system/aws-node service account, configure the vpc-cni add-on to use it, then detach the policy from the node role.',
    url: 'https://docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html',
  },
  source: 'EMR on EKS security best practices, "Restrict access to nodegroup IAM role or instance profile credentials" (the VPC CNI walkthrough it points to) (seeds 001; 000 in Chinese)',
  resourceKinds: ['iam-role'],
  triggers: [
    { service: 'iam', eventNames: ['AttachRolePolicy', 'DetachRolePolicy', 'UpdateAssumeRolePolicy'] },
    { service: 'eks', eventNames: ['CreateNodegroup'] },
  ],
  reads: [ROLE_READER.trust, ROLE_READER.permissions],
  evaluate({ ref, state }) {
    const scope = applicability(ref.name, state, NODE_ONLY, 'an EKS node role');
    if (!scope.applies) return scope.evaluation;
    const attached = rolePermissions(state).attachedPolicyArns;
    const cni = attached.find((policyArn) => awsManagedPolicyName(policyArn) === CNI_POLICY);
    if (cni) {
      return {
        status: 'FAILED',
        summary: `IAM role ${ref.name} (EKS node role) carries ${CNI_POLICY}, which every pod on its nodes can use; it belongs on a dedicated IRSA or Pod Identity role for the VPC CNI.`,
        evidence: { policyArn: cni },
      };
    }
    if (state.attachedPolicyArns === undefined) return { status: 'NEEDS', readers: [ROLE_READER.permissions], why: 'the node role’s attached policies' };
    return { status: 'PASSED', summary: `IAM role ${ref.name} (EKS node role) does not carry ${CNI_POLICY}.`, evidence: { attachedPolicies: attached.join(', ') || 'none' } };
  },
});
