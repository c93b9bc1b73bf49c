import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsSecurityFinding } from '#shared/findings/types.ts';
import { clusterArn, FIXTURES, jsonLines, vigil } from './catalogue.ts';

describe('vigil findings', () => {
  let work: string;

  beforeAll(async () => {
    // Prepare: one store holding a finding in each state (FAILED, SUPPRESSED, RESOLVED, ARCHIVED),
    // from separate runs so that each verdict is stored as it comes.
    work = mkdtempSync(join(tmpdir(), 'vigil-findings-'));
    const names = ['CreateCluster.public.json', 'CreateCluster.exempt.json', 'CreateCluster.private.json', 'DeleteCluster.json', 'events.jsonl'];
    for (const name of names) {
      writeFileSync(join(work, name), readFileSync(join(FIXTURES, name)));
      const result = await vigil(['evaluate', join(work, name)], { cwd: work });
      expect(result.code).toBe(0);
    }
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  const clusters = (stdout: string) => jsonLines<AwsSecurityFinding>(stdout).map((finding) => finding.Resources?.[0]?.Id);

  it.each([
    ['current findings (active, NEW or NOTIFIED) by default', [], [clusterArn('jobs-1'), clusterArn('web-prod')]],
    ['everything with --all', ['--all'], [clusterArn('jobs-1'), clusterArn('jobs-2'), clusterArn('lab-1'), clusterArn('web-internal'), clusterArn('web-prod')]],
    ['suppressed findings', ['--status', 'suppressed'], [clusterArn('lab-1')]],
    ['resolved and archived findings', ['--status', 'RESOLVED,ARCHIVED'], [clusterArn('web-internal')]],
    ['passed findings, whatever their workflow', ['--status', 'PASSED'], [clusterArn('jobs-2')]],
    ['one resource', ['--resource', 'cluster/web', '--all'], [clusterArn('web-internal'), clusterArn('web-prod')]],
    ['one rule', ['--rule', 'cli.1', '--rule', 'EKS.1'], [clusterArn('jobs-1'), clusterArn('web-prod')]],
    ['a rule with no findings', ['--rule', 'EKS.2'], []],
    ['a severity', ['--severity', 'low,medium', '--all'], []],
    ['a minimum severity', ['--min-severity', 'high'], [clusterArn('jobs-1'), clusterArn('web-prod')]],
  ])('lists %s', async (_name, options, expected) => {
    // Act
    const result = await vigil(['findings', '--format', 'json', ...options], { cwd: work });
    // Assess
    expect(result.code).toBe(0);
    expect(clusters(result.stdout)).toEqual(expected);
  });

  it('prints the findings as stored, one ASFF finding per line', async () => {
    // Act
    const result = await vigil(['findings', '--format', 'json', '--status', 'ARCHIVED'], { cwd: work });
    // Assess
    const [archived] = jsonLines<AwsSecurityFinding>(result.stdout);
    expect(archived).toMatchObject({
      SchemaVersion: '2018-10-08',
      GeneratorId: 'vigil/CLI.1',
      RecordState: 'ARCHIVED',
      Workflow: { Status: 'RESOLVED' },
      Compliance: { Status: 'PASSED' },
      CreatedAt: '2025-03-10T09:05:00.000Z',
      UpdatedAt: '2025-03-10T11:00:00.000Z',
    });
  });

  it('prints a table with the verdict sentence', async () => {
    // Act
    const result = await vigil(['findings', '--all'], { cwd: work, tty: true });
    // Assess
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEVERITY\s+RULE\s+STATUS\s+RESOURCE\s+ACCOUNT\/REGION\s+WHAT IS WRONG$/);
    expect(lines.slice(1, 6).map((line) => line.split(/\s{2,}/).slice(0, 4))).toEqual([
      ['HIGH', 'CLI.1', 'FAILED', 'cluster/jobs-1'],
      ['HIGH', 'CLI.1', 'PASSED', 'cluster/jobs-2'],
      ['HIGH', 'CLI.1', 'SUPPRESSED', 'cluster/lab-1'],
      ['HIGH', 'CLI.1', 'ARCHIVED', 'cluster/web-internal'],
      ['HIGH', 'CLI.1', 'FAILED', 'cluster/web-prod'],
    ]);
    expect(lines[5]).toMatch(/EKS cluster web-prod has a public endpoint\.$/);
    expect(lines.at(-1)).toBe('5 findings.');
  });

  it.each([
    [['findings', '--severity', 'urgent'], 2, '--severity must be one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL, not "urgent"'],
    [['findings', '--status', 'open'], 2, '--status must be one of'],
    [['findings', '--db', 'none.db'], 2, 'no findings database at none.db'],
    [['findings', 'extra'], 2, 'vigil findings takes no paths'],
  ])('rejects %j', async (argv, code, message) => {
    // Act
    const result = await vigil(argv, { cwd: work });
    // Assess
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });
});
