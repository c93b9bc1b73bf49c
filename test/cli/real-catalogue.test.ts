/**
 * `vigil evaluate` with the real catalogue (rules, extractors): what a user runs. These tests hold
 * whatever the rules decide, except for EKS.1 on a cluster created open to the internet.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ASFF_LIMITS } from '#shared/findings/asff.ts';
import type { AwsSecurityFinding } from '#shared/findings/types.ts';
import { SEVERITIES } from '#shared/model.ts';
import { RULES } from '#shared/rules/index.ts';
import { EVENTS_DIR } from '../support/pipeline.ts';
import { clusterArn, FIXTURES, jsonLines, vigil } from './catalogue.ts';

const RULE_IDS = new Set(RULES.map((rule) => rule.id));

/** The ASFF fields BatchImportFindings requires, and the values Vigil gives them. */
function expectImportable(finding: AwsSecurityFinding): void {
  const ruleId = finding.ProductFields?.['vigil/RuleId'] ?? '';
  expect(RULE_IDS.has(ruleId)).toBe(true);
  expect(finding.Id).toMatch(new RegExp(`^vigil/[a-z0-9-]+/\\d{12}/${ruleId.replace('.', '\\.')}/[0-9a-f]{40}$`));
  expect(finding).toMatchObject({ SchemaVersion: '2018-10-08', GeneratorId: `vigil/${ruleId}`, Types: ['Software and Configuration Checks/AWS Security Best Practices'] });
  expect(finding.ProductArn).toBe(`arn:aws:securityhub:${finding.Region}:${finding.AwsAccountId}:product/${finding.AwsAccountId}/default`);
  expect(SEVERITIES).toContain(finding.Severity?.Label);
  expect(['PASSED', 'FAILED']).toContain(finding.Compliance?.Status);
  expect(['NEW', 'RESOLVED', 'SUPPRESSED']).toContain(finding.Workflow?.Status);
  expect(['ACTIVE', 'ARCHIVED']).toContain(finding.RecordState);
  for (const field of ['CreatedAt', 'UpdatedAt', 'FirstObservedAt', 'LastObservedAt'] as const) expect(finding[field]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  expect(finding.Title?.length ?? 0).toBeLessThanOrEqual(ASFF_LIMITS.title);
  expect(finding.Description?.length ?? 0).toBeLessThanOrEqual(ASFF_LIMITS.description);
  expect(Buffer.byteLength(JSON.stringify(finding))).toBeLessThanOrEqual(ASFF_LIMITS.findingBytes);
  expect(finding.Resources?.length).toBe(1);
}

describe('vigil evaluate with the real catalogue', () => {
  let work: string;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'vigil-real-'));
  });

  afterEach(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('finds an EKS cluster created open to the internet (EKS.1, HIGH)', async () => {
    // Act
    const result = await vigil(['evaluate', '--db', join(work, 'f.db'), join(FIXTURES, 'CreateCluster.public.json')], { cwd: work, deps: {} });
    // Assess
    expect(result.code).toBe(0);
    const findings = jsonLines<AwsSecurityFinding>(result.stdout);
    const eks1 = findings.find((finding) => finding.ProductFields?.['vigil/RuleId'] === 'EKS.1');
    expect(eks1).toMatchObject({ Severity: { Label: 'HIGH' }, Compliance: { Status: 'FAILED' }, Workflow: { Status: 'NEW' }, Resources: [{ Id: clusterArn('web-prod'), Type: 'AwsEksCluster' }] });
    for (const finding of findings) expectImportable(finding);
  });

  it('reads every fixture under events/ and prints only importable findings', async () => {
    // Prepare
    const files = readdirSync(EVENTS_DIR, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile() && entry.name.endsWith('.json'));
    const cloudTrail = files.filter((entry) => (JSON.parse(readFileSync(join(entry.parentPath, entry.name), 'utf8')) as { 'detail-type'?: string })['detail-type'] === 'AWS API Call via CloudTrail');
    // Act
    const result = await vigil(['evaluate', '--db', join(work, 'f.db'), EVENTS_DIR], { cwd: work, deps: {} });
    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`Read ${files.length} event${files.length === 1 ? '' : 's'} from ${files.length} file`);
    const findings = jsonLines<AwsSecurityFinding>(result.stdout);
    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings) expectImportable(finding);
    // Other files there (remediation requests) are events, but not CloudTrail ones: not handled, never malformed.
    expect(result.stderr).not.toMatch(/\d+ malformed/);
    const notHandled = /Skipped [\d,]+: [^.]*?(\d+) not handled/.exec(result.stderr)?.[1];
    expect(Number(notHandled ?? 0)).toBe(files.length - cloudTrail.length);
  });
});
