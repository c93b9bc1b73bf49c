import { admitsDefaultServiceAccount, eksWebIdentityTrusts } from '../../policy/analysis.ts';
import { hasWildcard } from '../../policy/glob.ts';
import { defineRule, type Evaluation } from '../types.ts';
import { listOf, ROLE_READER } from './common.ts';

const POD_IDENTITY_READER = 'eks:DescribePodIdentityAssociation';

export const iam2DefaultServiceAccount = defineRule({
  id: 'IAM.2',
  title: "No workload identity is bound to a namespace's default service account",
  severity: 'MEDIUM',
  description:
    "Every pod that names no service account runs as its namespace's default service account. A role bound to it (an IRSA sub of system:serviceaccount:<namespace>:default, or a Pod Identity association for default) hands its AWS permissions to all of those pods instead of the one workload that needs them.",
  recommendation: {
    text: 'Create a dedicated service account for the workload, bind the role to it (trust policy sub, or a new Pod Identity association), and set automountServiceAccountToken: false on the default service account.',
    url: 'https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html',
  },
  source: 'CIS Amazon EKS benchmark, "Prefer using dedicated EKS service accounts" (seed 004, in German); Securing Kubernetes workloads in Amazon EKS, EKS Pod Identity (seed 003)',
  resourceKinds: ['iam-role', 'eks-pod-identity'],
  triggers: [
    { service: 'iam', eventNames: ['CreateRole', 'UpdateAssumeRolePolicy'] },
    { service: 'eks', eventNames: ['CreatePodIdentityAssociation', 'UpdatePodIdentityAssociation'] },
  ],
  reads: [ROLE_READER.trust, POD_IDENTITY_READER],
  evaluate(subject): Evaluation {
    if (subject.kind === 'eks-pod-identity') {
      const { ref, state } = subject;
      if (state.serviceAccount === undefined || state.namespace === undefined) {
        return { status: 'NEEDS', readers: [POD_IDENTITY_READER], why: 'the service account the association binds' };
      }
      const evidence = { namespace: state.namespace, serviceAccount: state.serviceAccount, ...(state.roleArn ? { roleArn: state.roleArn } : {}) };
      if (state.serviceAccount === 'default') {
        return {
          status: 'FAILED',
          summary: `EKS Pod Identity association ${ref.name} binds ${state.roleArn ? `IAM role ${state.roleArn}` : 'its IAM role'} to the default service account of namespace ${state.namespace}.`,
          evidence,
        };
      }
      return { status: 'PASSED', summary: `EKS Pod Identity association ${ref.name} binds service account ${state.namespace}/${state.serviceAccount}, not a default one.`, evidence };
    }

    const { ref, state } = subject;
    if (state.trustPolicy === undefined) return { status: 'NEEDS', readers: [ROLE_READER.trust], why: 'the trust policy' };
    const trusts = state.trustPolicy ? eksWebIdentityTrusts(state.trustPolicy) : [];
    if (trusts.length === 0) return { status: 'NOT_APPLICABLE', summary: `IAM role ${ref.name} is not trusted by an EKS OIDC provider.` };
    const problems: string[] = [];
    for (const trust of trusts) {
      if (trust.sub === null) {
        problems.push(`trusts every service account of OIDC provider ${trust.issuer}, default ones included`);
        continue;
      }
      const admitting = admitsDefaultServiceAccount(trust.sub);
      const exact = admitting.filter((value) => !trust.sub?.wildcard || !hasWildcard(value));
      const patterns = admitting.filter((value) => !exact.includes(value));
      if (exact.length > 0) problems.push(`is bound to the default service account (${listOf(exact)})`);
      if (patterns.length > 0) problems.push(`admits default service accounts through the sub pattern ${listOf(patterns)}`);
    }
    const subjects = trusts.flatMap((trust) => trust.sub?.values ?? ['(no sub condition)']).join(', ');
    if (problems.length > 0) {
      return { status: 'FAILED', summary: `IAM role ${ref.name} ${listOf([...new Set(problems)])}.`, evidence: { subjects } };
    }
    return { status: 'PASSED', summary: `IAM role ${ref.name} is bound to no default service account.`, evidence: { subjects } };
  },
});
