import type { Severity } from '../../model.ts';
import { severityRank } from '../../model.ts';
import { audienceBound, eksWebIdentityTrusts, isEmrServiceAccountPattern, STS_AUDIENCE, type WebIdentityTrust } from '../../policy/analysis.ts';
import { hasWildcard } from '../../policy/glob.ts';
import { defineRule } from '../types.ts';
import { listOf, ROLE_READER } from './common.ts';

interface Problem {
  severity: Severity;
  text: string;
}

function statementName(trust: WebIdentityTrust): string {
  return trust.sid ? `statement "${trust.sid}"` : `statement ${trust.statementIndex + 1}`;
}

/** What is wrong with one (statement, provider) pair, or `undefined` when it is bound to service accounts. */
function problemOf(trust: WebIdentityTrust): Problem | undefined {
  const where = `${statementName(trust)} (OIDC provider ${trust.issuer})`;
  if (trust.sub === null) {
    return { severity: 'CRITICAL', text: `${where} has no sub condition, so any service account in the cluster can assume it` };
  }
  // Under StringEquals a `*` is a literal character; only StringLike patterns are wildcards.
  const unbound = trust.sub.wildcard ? trust.sub.values.filter((value) => hasWildcard(value) && !isEmrServiceAccountPattern(value)) : [];
  if (unbound.length > 0) {
    return { severity: 'HIGH', text: `${where} binds sub with the wildcard ${listOf(unbound)}, which admits more than one service account` };
  }
  if (!audienceBound(trust)) {
    return { severity: 'LOW', text: `${where} has no aud condition (${STS_AUDIENCE})` };
  }
  return undefined;
}

export const iam1IrsaTrustScope = defineRule({
  id: 'IAM.1',
  title: 'IAM role trusted by an EKS OIDC provider is bound to one service account',
  severity: 'CRITICAL',
  description:
    'A role that trusts a cluster OIDC provider for sts:AssumeRoleWithWebIdentity without a sub condition can be assumed by any pod of the cluster, whatever its service account; a wildcard sub admits every matching service account. Only the EMR on EKS pattern system:serviceaccount:<namespace>:emr-containers-sa-* in one namespace is documented as needed. Without an aud condition, a token minted for another audience is accepted too.',
  recommendation: {
    text: 'Add a StringEquals condition on <issuer>:sub naming system:serviceaccount:<namespace>:<service-account>, and on <issuer>:aud with sts.amazonaws.com, to every statement that trusts the OIDC provider (for EMR on EKS, use aws emr-containers update-role-trust-policy).',
    url: 'https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html',
  },
  source: 'EMR on EKS security best practices, "Apply principle of least privilege" and "Limit pod credential access" (seeds 001; 000 in Chinese); CIS Amazon EKS benchmark, dedicated service accounts (seed 004)',
  resourceKinds: ['iam-role'],
  triggers: [{ service: 'iam', eventNames: ['CreateRole', 'UpdateAssumeRolePolicy'] }],
  reads: [ROLE_READER.trust],
  evaluate({ ref, state }) {
    if (state.trustPolicy === undefined) return { status: 'NEEDS', readers: [ROLE_READER.trust], why: 'the trust policy' };
    const trusts = state.trustPolicy ? eksWebIdentityTrusts(state.trustPolicy) : [];
    if (trusts.length === 0) return { status: 'NOT_APPLICABLE', summary: `IAM role ${ref.name} is not trusted by an EKS OIDC provider.` };

    const evidence = {
      oidcProviders: [...new Set(trusts.map((trust) => trust.issuer))].join(', '),
      subjects: trusts.flatMap((trust) => trust.sub?.values ?? ['(no sub condition)']).join(', '),
    };
    const problems = trusts.map(problemOf).filter((problem): problem is Problem => problem !== undefined);
    if (problems.length === 0) {
      return {
        status: 'PASSED',
        summary: `IAM role ${ref.name} can be assumed through its EKS OIDC trust only by ${listOf([...new Set(trusts.flatMap((trust) => trust.sub?.values ?? []))])}.`,
        evidence,
      };
    }
    const severity = problems.reduce<Severity>((worst, problem) => (severityRank(problem.severity) > severityRank(worst) ? problem.severity : worst), 'INFORMATIONAL');
    return { status: 'FAILED', severity, summary: `IAM role ${ref.name}: ${problems.map((problem) => problem.text).join('; ')}.`, evidence };
  },
});
