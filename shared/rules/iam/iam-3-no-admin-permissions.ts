import { describeUses, roleAdminGrants, rolePermissions } from '../../policy/role.ts';
import { defineRule } from '../types.ts';
import { applicability, ROLE_READER, WORKLOAD_OR_NODE } from './common.ts';

export const iam3NoAdminPermissions = defineRule({
  id: 'IAM.3',
  title: 'Workload and EKS node roles have no admin-equivalent permission',
  severity: 'HIGH',
  description:
    'Pods reach the permissions of their IRSA, Pod Identity or EMR execution role, and, through the instance metadata service, those of the node role. Admin-equivalent permissions there (AdministratorAccess, PowerUserAccess, IAMFullAccess, or an Allow of *, iam:* or sts:* on every resource) turn any compromised or malicious pod into an account takeover.',
  recommendation: {
    text: 'Detach AdministratorAccess, PowerUserAccess and IAMFullAccess from the role and replace wildcard statements with the actions and resources the workload needs (IAM Access Analyzer can generate a policy from its activity).',
    url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege',
  },
  source: 'EMR on EKS security best practices, "Apply principle of least privilege" and "Restrict access to nodegroup IAM role or instance profile credentials" (seeds 001; 000 in Chinese)',
  resourceKinds: ['iam-role'],
  triggers: [
    {
      service: 'iam',
      eventNames: [
        'CreateRole',
        'UpdateAssumeRolePolicy',
        'AttachRolePolicy',
        'DetachRolePolicy',
        'PutRolePolicy',
        'DeleteRolePolicy',
        'CreatePolicyVersion',
        'SetDefaultPolicyVersion',
      ],
    },
    { service: 'eks', eventNames: ['CreateNodegroup'] },
  ],
  reads: [ROLE_READER.trust, ROLE_READER.permissions],
  evaluate({ ref, state }) {
    const scope = applicability(ref.name, state, WORKLOAD_OR_NODE, 'a workload role (IRSA, Pod Identity, EMR on EKS execution) or an EKS node role');
    if (!scope.applies) return scope.evaluation;
    const permissions = rolePermissions(state);
    const reasons = roleAdminGrants(permissions);
    const what = `IAM role ${ref.name} (${describeUses(scope.uses)})`;
    if (reasons.length > 0) {
      return {
        status: 'FAILED',
        summary: `${what} has admin-equivalent permissions: ${reasons.join('; ')}.`,
        evidence: { uses: scope.uses.join(','), adminGrants: reasons.join('; ') },
      };
    }
    if (!permissions.complete) return { status: 'NEEDS', readers: [ROLE_READER.permissions], why: 'the role’s attached and inline policies' };
    return {
      status: 'PASSED',
      summary: `${what} has no admin-equivalent permission.`,
      evidence: { uses: scope.uses.join(','), attachedPolicies: permissions.attachedPolicyArns.join(', ') || 'none' },
    };
  },
});
