import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArchiveRequest, AwsSecurityFinding, FindingUpdate } from '#shared/findings/types.ts';
import type { ResourceRef, Severity } from '#shared/model.ts';
import { type StoreChange, SqliteFindingStore, StoreError } from '../../cli/store.ts';
import { ACCOUNT, REGION, clusterArn } from './catalogue.ts';

const T0 = '2025-03-10T09:00:00.000Z';
const T1 = '2025-03-10T10:00:00.000Z';
const T2 = '2025-03-10T11:00:00.000Z';

interface FindingSpec {
  cluster?: string;
  rule?: string;
  status?: 'PASSED' | 'FAILED';
  at?: string;
  severity?: Severity;
  account?: string;
  region?: string;
  generator?: string;
}

/** A finding as the pipeline builds it (the fields the store reads, and a few it keeps as they are). */
function finding(spec: FindingSpec = {}): AwsSecurityFinding {
  const cluster = spec.cluster ?? 'web-prod';
  const rule = spec.rule ?? 'CLI.1';
  const at = spec.at ?? T0;
  const account = spec.account ?? ACCOUNT;
  const region = spec.region ?? REGION;
  return {
    SchemaVersion: '2018-10-08',
    Id: `vigil/${region}/${account}/${rule}/${cluster}`,
    ProductArn: `arn:aws:securityhub:${region}:${account}:product/${account}/default`,
    GeneratorId: spec.generator ?? `vigil/${rule}`,
    AwsAccountId: account,
    Region: region,
    Types: ['Software and Configuration Checks/AWS Security Best Practices'],
    CreatedAt: at,
    FirstObservedAt: at,
    LastObservedAt: at,
    UpdatedAt: at,
    Severity: { Label: spec.severity ?? 'HIGH', Original: spec.severity ?? 'HIGH' },
    Title: `${rule} EKS cluster endpoint is not public`,
    Description: `EKS cluster ${cluster} has a public endpoint. A public endpoint exposes the Kubernetes API server to the internet.`,
    ProductFields: { 'vigil/RuleId': rule, 'vigil/EventId': `event-${at}` },
    Resources: [{ Type: 'AwsEksCluster', Id: `arn:aws:eks:${region}:${account}:cluster/${cluster}`, Partition: 'aws', Region: region }],
    Compliance: { Status: spec.status ?? 'FAILED' },
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
  };
}

function passed(spec: FindingSpec = {}): FindingUpdate {
  return { finding: finding({ ...spec, status: 'PASSED' }), workflow: 'RESOLVED' };
}

function ref(cluster: string, account = ACCOUNT): ResourceRef {
  return { kind: 'eks-cluster', id: clusterArn(cluster).replace(ACCOUNT, account), name: cluster, accountId: account, region: REGION, partition: 'aws', attrs: { clusterName: cluster } };
}

function archive(cluster: string, at: string, findingRegion = REGION): ArchiveRequest {
  return { ref: ref(cluster), findingRegion, eventTime: at, eventId: `delete-${at}`, eventName: 'DeleteCluster' };
}

describe('SqliteFindingStore', () => {
  let directory: string;
  let store: SqliteFindingStore;
  let changes: StoreChange[];

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'vigil-store-'));
    changes = [];
    store = new SqliteFindingStore(join(directory, 'nested', 'findings.db'), { onChange: (change) => changes.push(change) });
  });

  afterEach(() => {
    store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const stored = (spec: FindingSpec = {}) => store.get(finding(spec).Id ?? '');

  it('creates a FAILED finding as NEW and tells what it stored', async () => {
    // Act
    const report = await store.publish([{ finding: finding() }]);
    // Assess
    expect(report).toEqual({ imported: 1, workflowUpdated: 0, archived: 0, stale: 0 });
    expect(stored()).toEqual(finding());
    expect(changes).toEqual([{ change: 'imported', finding: finding() }]);
  });

  it('upserts by Id: a newer verdict replaces the finding and keeps its first observation', async () => {
    // Prepare
    await store.publish([{ finding: finding({ at: T0 }) }]);
    // Act
    const report = await store.publish([{ finding: finding({ at: T1, severity: 'CRITICAL' }) }]);
    // Assess
    expect(report.imported).toBe(1);
    expect(stored()).toMatchObject({ UpdatedAt: T1, CreatedAt: T0, FirstObservedAt: T0, LastObservedAt: T1, Severity: { Label: 'CRITICAL' } });
    expect([...store.query({ all: true })]).toHaveLength(1);
  });

  it.each([
    ['older', T0],
    ['as old (a duplicate delivery)', T1],
  ])('ignores an update %s than the stored finding, workflow change included', async (_name, at) => {
    // Prepare
    await store.publish([{ finding: finding({ at: T1 }) }]);
    changes = [];
    // Act
    const report = await store.publish([passed({ at })]);
    // Assess
    expect(report).toEqual({ imported: 0, workflowUpdated: 0, archived: 0, stale: 1 });
    expect(stored()).toMatchObject({ UpdatedAt: T1, Compliance: { Status: 'FAILED' }, Workflow: { Status: 'NEW' } });
    expect(changes).toEqual([]);
  });

  it('resolves a finding that passes, and reopens it (NEW) when it fails again', async () => {
    // Prepare
    await store.publish([{ finding: finding({ at: T0 }) }]);
    // Act
    const resolved = await store.publish([passed({ at: T1 })]);
    const afterPass = stored();
    const reopened = await store.publish([{ finding: finding({ at: T2 }) }]);
    // Assess
    expect(resolved).toEqual({ imported: 1, workflowUpdated: 1, archived: 0, stale: 0 });
    expect(afterPass).toMatchObject({ Compliance: { Status: 'PASSED' }, Workflow: { Status: 'RESOLVED' } });
    expect(reopened).toEqual({ imported: 1, workflowUpdated: 0, archived: 0, stale: 0 });
    expect(stored()).toMatchObject({ Compliance: { Status: 'FAILED' }, Workflow: { Status: 'NEW' }, UpdatedAt: T2 });
  });

  it('creates nothing for a rule that no longer applies, and resolves the finding it had', async () => {
    // Prepare: a finding on web-prod only
    await store.publish([{ finding: finding({ at: T0 }) }]);
    const notApplicable = (cluster: string): FindingUpdate => ({ ...passed({ cluster, at: T1 }), existingOnly: true });
    // Act
    const report = await store.publish([notApplicable('web-prod'), notApplicable('web-dev')]);
    // Assess
    expect(report).toEqual({ imported: 1, workflowUpdated: 1, archived: 0, stale: 0 });
    expect(stored()).toMatchObject({ Compliance: { Status: 'PASSED' }, Workflow: { Status: 'RESOLVED' } });
    expect(stored({ cluster: 'web-dev' })).toBeUndefined();
  });

  it('suppresses an exempt finding, and an import cannot lift the suppression', async () => {
    // Prepare
    await store.publish([{ finding: finding({ at: T0 }), workflow: 'SUPPRESSED' }]);
    // Act
    await store.publish([{ finding: finding({ at: T1 }) }]);
    // Assess
    expect(stored()).toMatchObject({ Workflow: { Status: 'SUPPRESSED' }, UpdatedAt: T1 });
  });

  it('does not count a workflow change that changes nothing', async () => {
    // Prepare
    await store.publish([passed({ at: T0 })]);
    // Act
    const report = await store.publish([passed({ at: T1 })]);
    // Assess
    expect(report).toEqual({ imported: 1, workflowUpdated: 0, archived: 0, stale: 0 });
  });

  it('archives every active Vigil finding of a deleted resource, and only those', async () => {
    // Prepare
    await store.publish([
      { finding: finding({ rule: 'CLI.1' }) },
      { finding: finding({ rule: 'CLI.2', severity: 'LOW' }) },
      passed({ rule: 'CLI.3' }),
      { finding: finding({ cluster: 'other' }) },
      { finding: finding({ rule: 'CLI.4', generator: 'another-product/CLI.4' }) },
      { finding: finding({ rule: 'CLI.5', region: 'us-east-1' }) },
    ]);
    changes = [];
    // Act
    const report = await store.archive([archive('web-prod', T1)]);
    // Assess
    expect(report).toEqual({ imported: 0, workflowUpdated: 0, archived: 3, stale: 0 });
    const archived = changes.map((change) => [change.change, change.finding.ProductFields?.['vigil/RuleId'], change.finding.RecordState, change.finding.UpdatedAt]);
    expect(archived.sort()).toEqual([
      ['archived', 'CLI.1', 'ARCHIVED', T1],
      ['archived', 'CLI.2', 'ARCHIVED', T1],
      ['archived', 'CLI.3', 'ARCHIVED', T1],
    ]);
    expect(stored({ rule: 'CLI.3' })).toMatchObject({ RecordState: 'ARCHIVED', Workflow: { Status: 'RESOLVED' }, ProductFields: { 'vigil/EventName': 'DeleteCluster', 'vigil/EventId': `delete-${T1}` } });
    expect(stored({ cluster: 'other' })?.RecordState).toBe('ACTIVE');
    expect(stored({ rule: 'CLI.4', generator: 'another-product/CLI.4' })?.RecordState).toBe('ACTIVE');
    expect(stored({ rule: 'CLI.5', region: 'us-east-1' })?.RecordState).toBe('ACTIVE');
  });

  it('does not archive a finding newer than the delete (the resource was created again)', async () => {
    // Prepare
    await store.publish([{ finding: finding({ at: T2 }) }]);
    // Act
    const report = await store.archive([archive('web-prod', T1)]);
    // Assess
    expect(report).toEqual({ imported: 0, workflowUpdated: 0, archived: 0, stale: 1 });
    expect(stored()?.RecordState).toBe('ACTIVE');
  });

  it('makes an archived finding active again when its resource is judged after the delete', async () => {
    // Prepare
    await store.publish([passed({ at: T0 })]);
    await store.archive([archive('web-prod', T1)]);
    // Act
    await store.publish([{ finding: finding({ at: T2 }) }]);
    // Assess
    expect(stored()).toMatchObject({ RecordState: 'ACTIVE', Workflow: { Status: 'NEW' }, Compliance: { Status: 'FAILED' } });
  });

  it('keeps findings across runs (the database file)', async () => {
    // Prepare
    await store.publish([{ finding: finding() }]);
    store.close();
    // Act
    store = new SqliteFindingStore(join(directory, 'nested', 'findings.db'));
    // Assess
    expect(stored()).toEqual(finding());
  });

  it('refuses a database written by a newer vigil', () => {
    // Prepare
    store.close();
    const path = join(directory, 'nested', 'findings.db');
    const raw = new DatabaseSync(path);
    raw.exec('PRAGMA user_version = 99');
    raw.close();
    // Act & Assess
    expect(() => new SqliteFindingStore(path)).toThrow(StoreError);
    expect(() => new SqliteFindingStore(path)).toThrow(/newer vigil \(schema 99\)/);
    store = new SqliteFindingStore(':memory:');
  });

  it('rolls back a call that fails half-way', async () => {
    // Prepare
    const noId = { ...finding({ cluster: 'second' }), Id: undefined };
    // Act
    const publishing = store.publish([{ finding: finding() }, { finding: noId }]);
    // Assess
    await expect(publishing).rejects.toThrow(/without an Id/);
    expect(stored()).toBeUndefined();
  });

  describe('query', () => {
    beforeEach(async () => {
      await store.publish([
        { finding: finding({ cluster: 'a', rule: 'CLI.1', severity: 'CRITICAL' }) },
        { finding: finding({ cluster: 'b', rule: 'CLI.1', severity: 'LOW' }) },
        { finding: finding({ cluster: 'c', rule: 'CLI.2', severity: 'MEDIUM' }), workflow: 'SUPPRESSED' },
        passed({ cluster: 'd', rule: 'CLI.2', severity: 'HIGH' }),
        { finding: finding({ cluster: 'e', rule: 'CLI.3', severity: 'HIGH' }) },
      ]);
      await store.archive([archive('e', T1)]);
    });

    const clusters = (query: Parameters<SqliteFindingStore['query']>[0]) => [...store.query(query)].map((item) => item.Resources?.[0]?.Id?.split('/').pop());

    it.each([
      ['current findings by default, most severe first', {}, ['a', 'b']],
      ['everything with --all', { all: true }, ['a', 'd', 'e', 'c', 'b']],
      ['one rule', { ruleIds: ['CLI.2'], all: true }, ['d', 'c']],
      ['exact severities', { severities: ['LOW', 'CRITICAL'] as Severity[] }, ['a', 'b']],
      ['a minimum severity', { minSeverity: 'HIGH' as Severity, all: true }, ['a', 'd', 'e']],
      ['a compliance status, whatever the workflow', { statuses: ['PASSED' as const] }, ['d']],
      ['a workflow status', { statuses: ['SUPPRESSED' as const] }, ['c']],
      ['a record state', { statuses: ['ARCHIVED' as const] }, ['e']],
      ['statuses of several kinds together', { statuses: ['FAILED' as const, 'ARCHIVED' as const] }, ['e']],
      ['a resource id substring', { resource: 'cluster/b', all: true }, ['b']],
    ])('lists %s', (_name, query, expected) => {
      // Act & Assess
      expect(clusters(query)).toEqual(expected);
    });
  });
});
