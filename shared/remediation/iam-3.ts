/**
 * IAM.3 remediation: detaches the AWS-managed admin policies (AdministratorAccess,
 * PowerUserAccess, IAMFullAccess) from a workload or node role. Inline and customer-managed
 * grants are reported only: rewriting a policy document is a judgement an operator makes. The
 * grant is narrowed by `iam:PolicyARN` to those three policies, so the remediator cannot detach
 * anything else. A policy already detached counts as done.
 */
import { isNotFound } from '../aws/clients.ts';
import { sendAll } from './calls.ts';
import type { Remediation, RemediationCall } from './types.ts';

export const ADMIN_MANAGED_POLICIES = ['AdministratorAccess', 'PowerUserAccess', 'IAMFullAccess'] as const;

function adminPolicyArns(partition: string): string[] {
  return ADMIN_MANAGED_POLICIES.map((name) => `arn:${partition}:iam::aws:policy/${name}`);
}

export const iam3Remediation: Remediation<'iam-role'> = {
  ruleId: 'IAM.3',
  kind: 'iam-role',
  description:
    'Detaches the AWS-managed AdministratorAccess, PowerUserAccess and IAMFullAccess policies from the role (DetachRolePolicy). ' +
    'Admin grants in inline or customer-managed policies are reported only. Workloads that relied on those permissions lose them.',
  permissions: [
    {
      actions: ['iam:DetachRolePolicy'],
      resources: ['arn:${partition}:iam::${account}:role/*'],
      condition: { ArnEquals: { 'iam:PolicyARN': adminPolicyArns('${partition}') } },
    },
  ],
  plan(subject) {
    const { ref, state } = subject;
    const attached = state.attachedPolicyArns;
    if (attached === undefined) return { status: 'NOT_REMEDIABLE', reason: `the attached policies of IAM role ${ref.name} could not be read` };
    const admin = adminPolicyArns(ref.partition);
    const detach = attached.filter((arn) => admin.includes(arn));
    if (detach.length === 0) {
      return {
        status: 'NOT_REMEDIABLE',
        reason: `IAM role ${ref.name}'s admin permissions come from inline or customer-managed policies, which Vigil reports only`,
      };
    }
    const calls: RemediationCall[] = detach.map((policyArn) => ({ service: 'iam', command: 'DetachRolePolicy', input: { RoleName: state.roleName, PolicyArn: policyArn } }));
    return {
      status: 'PLANNED',
      calls,
      summary:
        `IAM role ${ref.name}: ${detach.map((arn) => arn.slice(arn.lastIndexOf('/') + 1)).join(', ')} detached. ` +
        'Admin grants in inline or customer-managed policies, if any, are left for the operator.',
      before: { attachedPolicyArns: [...attached] },
      after: { attachedPolicyArns: attached.filter((arn) => !detach.includes(arn)) },
    };
  },
  async apply(plan, subject, aws) {
    for (const call of plan.calls) {
      try {
        await sendAll([call], aws, subject.ref);
      } catch (error) {
        // Detached meanwhile (or the role is gone): the end state is the one wanted.
        if (!isNotFound(error)) throw error;
      }
    }
    return { calls: plan.calls, after: plan.after };
  },
};
