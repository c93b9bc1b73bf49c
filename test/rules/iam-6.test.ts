import { describe, expect, it } from 'vitest';
import { evaluateEvent, loadEvent, verdictOf } from '../support/pipeline.ts';

const ROLE = (name: string) => `arn:aws:iam::111122223333:role/${name}`;

describe('IAM.6 trust policy allows no unconditioned wildcard principal', () => {
  it.each([
    ['iam-6/CreateRole.fail.any-aws-principal.json', 'FAILED', 'partner-data-exchange', 'can be assumed by any principal without a condition: statement 1 (Principal {"AWS": "*"}).'],
    ['iam-6/UpdateAssumeRolePolicy.fail.principal-star.json', 'FAILED', 'partner-data-exchange', 'statement 1 (Principal "*")'],
    ['iam-6/UpdateAssumeRolePolicy.pass.any-principal-with-org-condition.json', 'PASSED', 'partner-data-exchange', 'trusts any principal only under conditions'],
    ['iam-6/CreateRole.pass.named-account.json', 'PASSED', 'audit-reader', 'names the principals its trust policy allows'],
    ['iam-1/CreateRole.pass.irsa-bound.json', 'PASSED', 'payments-api-irsa', 'names the principals its trust policy allows'],
  ])('%s → %s', async (fixture, status, roleName, phrase) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(fixture));

    // Assess
    const verdict = verdictOf(outcome, 'IAM.6');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('CRITICAL');
    expect(verdict?.resourceId).toBe(ROLE(roleName));
    expect(verdict?.description).toContain(phrase);
  });

  it('suppresses the finding of a role tagged exempt from IAM.6 when it is created', async () => {
    // Prepare
    const event = loadEvent('iam-6/CreateRole.fail.any-aws-principal.json');
    (event.detail as { requestParameters: Record<string, unknown> }).requestParameters.tags = [{ key: 'compliance:exempt', value: 'IAM.6' }];

    // Act
    const outcome = await evaluateEvent(event);

    // Assess
    expect(verdictOf(outcome, 'IAM.6')).toMatchObject({ status: 'FAILED', workflow: 'SUPPRESSED' });
    expect(outcome.violations).toEqual([]);
  });
});
