import { openTrustStatements } from '../../policy/analysis.ts';
import { defineRule } from '../types.ts';
import { listOf, ROLE_READER } from './common.ts';

export const iam6OpenTrust = defineRule({
  id: 'IAM.6',
  title: 'IAM role trust policy does not allow any principal without a condition',
  severity: 'CRITICAL',
  description:
    'A trust policy statement with Principal "*" (or {"AWS": "*"}) and no condition lets any AWS principal, in any account, assume the role and use its permissions.',
  recommendation: {
    text: 'Name the principals that may assume the role (account, role or service), or at least restrict the statement with conditions such as aws:PrincipalOrgID or aws:PrincipalAccount.',
    url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html',
  },
  source: 'EMR on EKS security best practices, "Apply principle of least privilege" (seeds 001; 000 in Chinese): roles are reached through their trust policies',
  resourceKinds: ['iam-role'],
  triggers: [{ service: 'iam', eventNames: ['CreateRole', 'UpdateAssumeRolePolicy'] }],
  reads: [ROLE_READER.trust],
  evaluate({ ref, state }) {
    if (state.trustPolicy === undefined) return { status: 'NEEDS', readers: [ROLE_READER.trust], why: 'the trust policy' };
    if (state.trustPolicy === null) return { status: 'NOT_APPLICABLE', summary: `IAM role ${ref.name} has no trust policy.` };
    const open = openTrustStatements(state.trustPolicy);
    const unconditioned = open.filter((statement) => !statement.hasCondition);
    const describe = (statement: (typeof open)[number]) => `${statement.sid ? `statement "${statement.sid}"` : `statement ${statement.statementIndex + 1}`} (${statement.how})`;
    if (unconditioned.length > 0) {
      return {
        status: 'FAILED',
        summary: `IAM role ${ref.name} can be assumed by any principal without a condition: ${listOf(unconditioned.map(describe))}.`,
        evidence: { statements: unconditioned.map(describe).join('; ') },
      };
    }
    if (open.length > 0) {
      return {
        status: 'PASSED',
        summary: `IAM role ${ref.name} trusts any principal only under conditions: ${listOf(open.map(describe))}.`,
        evidence: { statements: open.map(describe).join('; ') },
      };
    }
    return { status: 'PASSED', summary: `IAM role ${ref.name} names the principals its trust policy allows.` };
  },
});
