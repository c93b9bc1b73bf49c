import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  type BatchImportFindingsCommandInput,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  InternalException,
  SecurityHubClient,
  ThrottlingException,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createClientCache } from '#shared/aws/clients.ts';
import { findingId, GENERATOR_PREFIX, productArn } from '#shared/findings/asff.ts';
import { SecurityHubSink, type SecurityHubSinkOptions, SecurityHubSinkError, TokenBucket } from '#shared/findings/securityhub.ts';
import type { ArchiveRequest, FindingUpdate } from '#shared/findings/types.ts';
import { ACCOUNT, clusterArn, REGION } from '../support/fake-catalogue.ts';
import { FakeSecurityHub } from '../support/fake-security-hub.ts';

const securityHub = mockClient(SecurityHubClient);
let fake: FakeSecurityHub;
let sleep: ReturnType<typeof vi.fn<(ms: number) => Promise<void>>>;

const T1 = '2025-03-01T10:00:00.000Z';
const T2 = '2025-03-01T11:00:00.000Z';
const T3 = '2025-03-01T12:00:00.000Z';

interface FindingSpec {
  rule?: string;
  cluster?: string;
  at: string;
  status?: 'PASSED' | 'FAILED';
  account?: string;
  region?: string;
  padding?: number;
}

function finding(spec: FindingSpec): AwsSecurityFinding {
  const account = spec.account ?? ACCOUNT;
  const region = spec.region ?? REGION;
  const rule = spec.rule ?? 'TEST.1';
  const resource = clusterArn(spec.cluster ?? 'prod-1');
  return {
    SchemaVersion: '2018-10-08',
    Id: findingId(account, region, rule, resource),
    ProductArn: productArn('aws', region, account),
    GeneratorId: `${GENERATOR_PREFIX}${rule}`,
    AwsAccountId: account,
    Region: region,
    Types: ['Software and Configuration Checks/AWS Security Best Practices'],
    FirstObservedAt: spec.at,
    LastObservedAt: spec.at,
    CreatedAt: spec.at,
    UpdatedAt: spec.at,
    Severity: { Label: 'HIGH', Original: 'HIGH' },
    Title: `${rule} EKS cluster endpoint is not public`,
    Description: 'x'.repeat(spec.padding ?? 10),
    ProductFields: { 'vigil/RuleId': rule, 'vigil/EventId': `event-${spec.at}` },
    Resources: [{ Type: 'AwsEksCluster', Id: resource, Partition: 'aws', Region: region }],
    Compliance: { Status: spec.status ?? 'FAILED' },
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
  };
}

function sink(options: Partial<SecurityHubSinkOptions> = {}): SecurityHubSink {
  return new SecurityHubSink({ clients: createClientCache({ maxAttempts: 1 }), accountId: ACCOUNT, sleep, random: () => 1, ...options });
}

function importedBatches(): AwsSecurityFinding[][] {
  return securityHub.commandCalls(BatchImportFindingsCommand).map((call) => (call.args[0].input as BatchImportFindingsCommandInput).Findings ?? []);
}

function throttled(): ThrottlingException {
  return new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
}

beforeEach(() => {
  // Prepare: a fresh in-memory Security Hub behind the mocked client, and a sleep that does not wait.
  securityHub.reset();
  fake = new FakeSecurityHub();
  fake.attach(securityHub);
  sleep = vi.fn(async (_ms: number) => {});
});

describe('SecurityHubSink.publish: batching', () => {
  it('imports 250 findings in calls of 100, 100 and 50, with one GetFindings per 20 resources', async () => {
    // Prepare: 25 clusters × 10 rules
    const updates: FindingUpdate[] = [];
    for (let cluster = 0; cluster < 25; cluster += 1) {
      for (let rule = 1; rule <= 10; rule += 1) updates.push({ finding: finding({ rule: `TEST.${rule}`, cluster: `c-${cluster}`, at: T1 }) });
    }
    const target = sink();

    // Act
    const report = await target.publish(updates);

    // Assess
    expect(importedBatches().map((batch) => batch.length)).toEqual([100, 100, 50]);
    expect(report).toEqual({ imported: 250, workflowUpdated: 0, archived: 0, stale: 0 });
    expect(fake.store.size).toBe(250);
    expect(securityHub.commandCalls(GetFindingsCommand)).toHaveLength(2);
    expect(target.calls).toEqual({ BatchImportFindings: 3, BatchUpdateFindings: 0, GetFindings: 2 });
    expect(target.totalCalls).toBe(5);
  });

  it('splits calls that would exceed 6 MB', async () => {
    // Prepare: 60 findings of about 200 KB each (12 MB in all)
    const updates = Array.from({ length: 60 }, (_, index) => ({ finding: finding({ rule: `TEST.${index}`, at: T1, padding: 200_000 }) }));

    // Act
    const report = await sink().publish(updates);

    // Assess
    const batches = importedBatches();
    expect(batches.length).toBe(3);
    for (const batch of batches) expect(Buffer.byteLength(JSON.stringify({ Findings: batch }))).toBeLessThanOrEqual(6_000_000);
    expect(batches.flat().map((item) => item.Id)).toEqual(updates.map((update) => update.finding.Id));
    expect(report.imported).toBe(60);
  });

  it('imports in the account and region that own the finding, and refuses another account without a hook', async () => {
    // Prepare
    const other = finding({ at: T1, account: '444455556666' });
    const target = sink();

    // Act
    const attempt = target.publish([{ finding: finding({ at: T1 }) }, { finding: other }]);

    // Assess: nothing is sent, nothing is dropped silently
    await expect(attempt).rejects.toThrowError(/444455556666.*clientForAccount/);
    expect(target.totalCalls).toBe(0);
    expect(securityHub.calls()).toHaveLength(0);
  });

  it('reaches another account through clientForAccount', async () => {
    // Prepare
    const memberClient = new SecurityHubClient({ region: 'us-west-2' });
    const clientForAccount = vi.fn(() => memberClient);
    const target = sink({ clientForAccount });

    // Act
    await target.publish([{ finding: finding({ at: T1, account: '444455556666', region: 'us-west-2' }) }, { finding: finding({ at: T1 }) }]);

    // Assess
    expect(clientForAccount).toHaveBeenCalledExactlyOnceWith('444455556666', 'us-west-2');
    expect(fake.calls.filter((call) => call.operation === 'BatchImportFindings').map((call) => call.region).sort()).toEqual(['eu-west-1', 'us-west-2']);
    expect(fake.store.size).toBe(2);
  });
});

describe('SecurityHubSink.publish: throttling and failures', () => {
  it('retries a throttled import with backoff and loses nothing', async () => {
    // Prepare
    securityHub.on(BatchImportFindingsCommand).rejectsOnce(throttled()).callsFake((input) => fake.batchImport(input));
    const target = sink();

    // Act
    const report = await target.publish([{ finding: finding({ at: T1 }) }]);

    // Assess
    expect(report.imported).toBe(1);
    expect(securityHub.commandCalls(BatchImportFindingsCommand)).toHaveLength(2);
    expect(sleep).toHaveBeenCalledWith(250);
    expect(fake.store.size).toBe(1);
  });

  it('gives up after the bounded attempts of persistent throttling and throws', async () => {
    // Prepare
    securityHub.on(BatchImportFindingsCommand).rejects(throttled());
    const target = sink({ maxAttempts: 3 });

    // Act
    const attempt = target.publish([{ finding: finding({ at: T1 }) }]);

    // Assess
    await expect(attempt).rejects.toThrowError(/BatchImportFindings .* still throttled after 3 attempts/);
    expect(target.calls.BatchImportFindings).toBe(3);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([250, 500]);
  });

  it('retries FailedFindings alone and succeeds', async () => {
    // Prepare: the first call fails two of five findings
    const updates = Array.from({ length: 5 }, (_, index) => ({ finding: finding({ rule: `TEST.${index}`, at: T1 }) }));
    const failing = new Set([updates[1]?.finding.Id, updates[3]?.finding.Id]);
    securityHub
      .on(BatchImportFindingsCommand)
      .callsFakeOnce((input: BatchImportFindingsCommandInput) => {
        const accepted = (input.Findings ?? []).filter((item) => !failing.has(item.Id));
        fake.batchImport({ Findings: accepted });
        return {
          FailedCount: 2,
          SuccessCount: 3,
          FailedFindings: [...failing].map((id) => ({ Id: id, ErrorCode: 'InternalFailure', ErrorMessage: 'try again' })),
        };
      })
      .callsFake((input) => fake.batchImport(input));

    // Act
    const report = await sink().publish(updates);

    // Assess
    expect(importedBatches().map((batch) => batch.map((item) => item.Id))).toEqual([updates.map((update) => update.finding.Id), [...failing]]);
    expect(report.imported).toBe(5);
    expect(fake.store.size).toBe(5);
  });

  it('throws naming the ids and codes of findings that keep failing', async () => {
    // Prepare
    const good = finding({ rule: 'TEST.1', at: T1 });
    const bad = finding({ rule: 'TEST.2', at: T1 });
    securityHub.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => {
      fake.batchImport({ Findings: (input.Findings ?? []).filter((item) => item.Id !== bad.Id) });
      const failed = (input.Findings ?? []).some((item) => item.Id === bad.Id);
      return failed
        ? { FailedCount: 1, SuccessCount: (input.Findings ?? []).length - 1, FailedFindings: [{ Id: bad.Id, ErrorCode: 'InternalFailure', ErrorMessage: 'storage unavailable' }] }
        : { FailedCount: 0, SuccessCount: (input.Findings ?? []).length, FailedFindings: [] };
    });

    // Act
    const error = await sink({ maxAttempts: 3 })
      .publish([{ finding: good }, { finding: bad }])
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(SecurityHubSinkError);
    expect((error as SecurityHubSinkError).message).toContain(`${bad.Id} (InternalFailure: storage unavailable)`);
    expect((error as SecurityHubSinkError).failures).toEqual([{ id: bad.Id, code: 'InternalFailure', message: 'storage unavailable' }]);
    expect(securityHub.commandCalls(BatchImportFindingsCommand)).toHaveLength(3);
    expect(fake.get(good.ProductArn, good.Id)).toBeDefined();
  });

  it('does not retry a finding Security Hub calls invalid, and still throws', async () => {
    // Prepare: a finding over 240 KB is rejected with InvalidInput by Security Hub
    const huge = finding({ at: T1, padding: 300_000 });

    // Act
    const attempt = sink().publish([{ finding: huge }]);

    // Assess
    await expect(attempt).rejects.toThrowError(new RegExp(`${huge.Id} \\(InvalidInput`));
    expect(securityHub.commandCalls(BatchImportFindingsCommand)).toHaveLength(1);
  });

  it('lets other errors through at once (Lambda retries the event)', async () => {
    // Prepare
    securityHub.on(BatchImportFindingsCommand).rejects(new InternalException({ message: 'boom', $metadata: { httpStatusCode: 500 } }));

    // Act
    const attempt = sink().publish([{ finding: finding({ at: T1 }) }]);

    // Assess
    await expect(attempt).rejects.toThrowError('boom');
    expect(securityHub.commandCalls(BatchImportFindingsCommand)).toHaveLength(1);
  });
});

describe('SecurityHubSink.publish: the life of a finding', () => {
  it('resolves a finding that passes: import, then BatchUpdateFindings RESOLVED, first observation kept', async () => {
    // Prepare: Security Hub holds the FAILED finding from T1
    fake.seed(finding({ at: T1, status: 'FAILED' }));
    const passed = finding({ at: T2, status: 'PASSED' });

    // Act
    const report = await sink().publish([{ finding: passed, workflow: 'RESOLVED' }]);

    // Assess
    const stored = fake.get(passed.ProductArn, passed.Id);
    expect(stored?.Compliance?.Status).toBe('PASSED');
    expect(stored?.Workflow?.Status).toBe('RESOLVED');
    expect(stored?.UpdatedAt).toBe(T2);
    expect(stored?.CreatedAt).toBe(T1);
    expect(stored?.FirstObservedAt).toBe(T1);
    expect(securityHub.commandCalls(BatchUpdateFindingsCommand)[0]?.args[0].input).toEqual({
      FindingIdentifiers: [{ Id: passed.Id, ProductArn: passed.ProductArn }],
      Workflow: { Status: 'RESOLVED' },
    });
    expect(report).toEqual({ imported: 1, workflowUpdated: 1, archived: 0, stale: 0 });
    expect(fake.calls.map((call) => call.operation)).toEqual(['GetFindings', 'BatchImportFindings', 'BatchUpdateFindings']);
  });

  it('applies the workflow alone when Security Hub already shows our UpdatedAt (a retried event)', async () => {
    // Prepare: the import went through, the workflow update did not
    fake.seed(finding({ at: T2, status: 'PASSED' }));

    // Act
    const report = await sink().publish([{ finding: finding({ at: T2, status: 'PASSED' }), workflow: 'RESOLVED' }]);

    // Assess
    expect(fake.calls.map((call) => call.operation)).toEqual(['GetFindings', 'BatchUpdateFindings']);
    expect(report).toEqual({ imported: 0, workflowUpdated: 1, archived: 0, stale: 1 });
  });

  it('skips a stale PASSED: an older verdict never resolves a newer FAILED', async () => {
    // Prepare: Security Hub holds FAILED from T3
    const newer = finding({ at: T3, status: 'FAILED' });
    fake.seed(newer);

    // Act
    const report = await sink().publish([{ finding: finding({ at: T2, status: 'PASSED' }), workflow: 'RESOLVED' }]);

    // Assess
    expect(report).toEqual({ imported: 0, workflowUpdated: 0, archived: 0, stale: 1 });
    expect(securityHub.commandCalls(BatchUpdateFindingsCommand)).toHaveLength(0);
    expect(securityHub.commandCalls(BatchImportFindingsCommand)).toHaveLength(0);
    expect(fake.get(newer.ProductArn, newer.Id)?.Workflow?.Status).toBe('NEW');
    expect(fake.get(newer.ProductArn, newer.Id)?.Compliance?.Status).toBe('FAILED');
  });

  it.each([
    ['no finding exists', undefined],
    ['the finding is archived', 'ARCHIVED' as const],
  ])('creates nothing for a rule that no longer applies when %s', async (_case, recordState) => {
    // Prepare
    if (recordState) fake.seed({ ...finding({ at: T1, status: 'FAILED' }), RecordState: recordState });
    const notApplicable = finding({ at: T2, status: 'PASSED' });

    // Act
    const report = await sink().publish([{ finding: notApplicable, workflow: 'RESOLVED', existingOnly: true }]);

    // Assess
    expect(securityHub.commandCalls(BatchImportFindingsCommand)).toHaveLength(0);
    expect(securityHub.commandCalls(BatchUpdateFindingsCommand)).toHaveLength(0);
    expect(report).toEqual({ imported: 0, workflowUpdated: 0, archived: 0, stale: 0 });
  });

  it('resolves the active finding of a rule that no longer applies', async () => {
    // Prepare: a FAILED finding from when the rule applied
    fake.seed(finding({ at: T1, status: 'FAILED' }));
    const notApplicable = finding({ at: T2, status: 'PASSED' });

    // Act
    await sink().publish([{ finding: notApplicable, workflow: 'RESOLVED', existingOnly: true }]);

    // Assess
    const stored = fake.get(notApplicable.ProductArn, notApplicable.Id);
    expect(stored?.Compliance?.Status).toBe('PASSED');
    expect(stored?.Workflow?.Status).toBe('RESOLVED');
  });

  it('suppresses the finding of an exempt resource', async () => {
    // Prepare
    const exempt = finding({ at: T1, status: 'FAILED' });

    // Act
    const report = await sink().publish([{ finding: exempt, workflow: 'SUPPRESSED' }]);

    // Assess
    expect(fake.get(exempt.ProductArn, exempt.Id)?.Workflow?.Status).toBe('SUPPRESSED');
    expect(securityHub.commandCalls(BatchUpdateFindingsCommand)[0]?.args[0].input.Workflow).toEqual({ Status: 'SUPPRESSED' });
    expect(report).toEqual({ imported: 1, workflowUpdated: 1, archived: 0, stale: 0 });
  });

  it('sends RESOLVED and SUPPRESSED in separate calls of at most 100 ids', async () => {
    // Prepare
    const resolved = Array.from({ length: 150 }, (_, index) => ({ finding: finding({ rule: `TEST.${index}`, at: T1, status: 'PASSED' }), workflow: 'RESOLVED' as const }));
    const suppressed = [{ finding: finding({ rule: 'TEST.999', at: T1 }), workflow: 'SUPPRESSED' as const }];

    // Act
    const report = await sink().publish([...resolved, ...suppressed]);

    // Assess
    const calls = securityHub.commandCalls(BatchUpdateFindingsCommand).map((call) => [call.args[0].input.Workflow?.Status, call.args[0].input.FindingIdentifiers?.length]);
    expect(calls).toEqual([
      ['RESOLVED', 100],
      ['RESOLVED', 50],
      ['SUPPRESSED', 1],
    ]);
    expect(report.workflowUpdated).toBe(151);
  });

  it('costs no workflow update when a PASSED finding is already RESOLVED', async () => {
    // Prepare
    fake.seed({ ...finding({ at: T1, status: 'PASSED' }), Workflow: { Status: 'RESOLVED' } });
    const target = sink();

    // Act
    await target.publish([{ finding: finding({ at: T2, status: 'PASSED' }), workflow: 'RESOLVED' }]);

    // Assess
    expect(target.calls).toEqual({ GetFindings: 1, BatchImportFindings: 1, BatchUpdateFindings: 0 });
  });

  it('starts a new first observation when the stored finding was archived', async () => {
    // Prepare: the cluster was deleted (archived at T2) and made again
    fake.seed({ ...finding({ at: T2 }), CreatedAt: T1, RecordState: 'ARCHIVED' });
    const recreated = finding({ at: T3 });

    // Act
    await sink().publish([{ finding: recreated }]);

    // Assess
    const stored = fake.get(recreated.ProductArn, recreated.Id);
    expect(stored?.RecordState).toBe('ACTIVE');
    expect(stored?.CreatedAt).toBe(T3);
  });

  it('retries UnprocessedFindings and throws naming those still unprocessed', async () => {
    // Prepare
    const passed = finding({ at: T1, status: 'PASSED' });
    securityHub.on(BatchUpdateFindingsCommand).resolves({
      ProcessedFindings: [],
      UnprocessedFindings: [{ FindingIdentifier: { Id: passed.Id, ProductArn: passed.ProductArn }, ErrorCode: 'ConcurrentUpdateError', ErrorMessage: 'busy' }],
    });

    // Act
    const attempt = sink({ maxAttempts: 2 }).publish([{ finding: passed, workflow: 'RESOLVED' }]);

    // Assess
    await expect(attempt).rejects.toThrowError(`${passed.Id} (ConcurrentUpdateError: busy)`);
    expect(securityHub.commandCalls(BatchUpdateFindingsCommand)).toHaveLength(2);
  });
});

describe('SecurityHubSink.archive', () => {
  function deleteRequest(cluster: string, eventTime: string): ArchiveRequest {
    return {
      ref: { kind: 'eks-cluster', id: clusterArn(cluster), name: cluster, accountId: ACCOUNT, region: REGION, partition: 'aws', attrs: { clusterName: cluster } },
      findingRegion: REGION,
      eventTime,
      eventId: 'delete-event-1',
      eventName: 'DeleteCluster',
    };
  }

  it('re-imports every active Vigil finding of the resource as ARCHIVED, across GetFindings pages', async () => {
    // Prepare: 130 active findings on prod-1, one newer than the delete, one on another cluster
    for (let rule = 0; rule < 130; rule += 1) fake.seed(finding({ rule: `TEST.${rule}`, at: T1 }));
    const newer = finding({ rule: 'TEST.500', at: T3 });
    fake.seed(newer);
    const other = finding({ cluster: 'prod-2', at: T1 });
    fake.seed(other);
    const target = sink();

    // Act
    const report = await target.archive([deleteRequest('prod-1', T2)]);

    // Assess
    expect(report).toEqual({ imported: 0, workflowUpdated: 0, archived: 130, stale: 1 });
    expect(target.calls.GetFindings).toBe(2);
    expect(securityHub.commandCalls(GetFindingsCommand)[0]?.args[0].input.Filters).toEqual({
      ProductArn: [{ Comparison: 'EQUALS', Value: productArn('aws', REGION, ACCOUNT) }],
      RecordState: [{ Comparison: 'EQUALS', Value: 'ACTIVE' }],
      AwsAccountId: [{ Comparison: 'EQUALS', Value: ACCOUNT }],
      GeneratorId: [{ Comparison: 'PREFIX', Value: 'vigil/' }],
      ResourceId: [{ Comparison: 'EQUALS', Value: clusterArn('prod-1') }],
    });
    const sent = importedBatches();
    expect(sent.map((batch) => batch.length)).toEqual([100, 30]);
    for (const item of sent.flat()) {
      expect(item.RecordState).toBe('ARCHIVED');
      expect(item.UpdatedAt).toBe(T2);
      expect(item.CreatedAt).toBe(T1);
      expect(item.ProductFields?.['vigil/EventId']).toBe('delete-event-1');
      expect(Object.keys(item.ProductFields ?? {}).some((name) => name.startsWith('aws/'))).toBe(false);
    }
    expect(fake.get(newer.ProductArn, newer.Id)?.RecordState).toBe('ACTIVE');
    expect(fake.get(other.ProductArn, other.Id)?.RecordState).toBe('ACTIVE');
  });

  it('does nothing but look when the resource has no active findings', async () => {
    // Act
    const target = sink();
    const report = await target.archive([deleteRequest('ghost', T2)]);

    // Assess
    expect(report.archived).toBe(0);
    expect(target.calls).toEqual({ GetFindings: 1, BatchImportFindings: 0, BatchUpdateFindings: 0 });
  });
});

describe('rate limiting', () => {
  it('lets a burst through, then spaces requests at the rate', () => {
    // Prepare: 10 per second, bursts of 30, clock standing still
    const bucket = new TokenBucket(10, 30, 0);

    // Act
    const waits = Array.from({ length: 33 }, () => bucket.reserve(0));

    // Assess
    expect(waits.slice(0, 30).every((wait) => wait === 0)).toBe(true);
    expect(waits.slice(30)).toEqual([100, 200, 300]);
    // A second later, 10 tokens came back, 3 of them already promised.
    expect(bucket.reserve(1000)).toBe(0);
  });

  it('makes the sink wait instead of bursting past GetFindings\' 6 requests', async () => {
    // Prepare: 8 events in the same instant
    const target = sink({ now: () => 0 });

    // Act
    for (let event = 0; event < 8; event += 1) await target.publish([{ finding: finding({ cluster: `c-${event}`, at: T1 }) }]);

    // Assess: the 7th and 8th GetFindings wait their turn (3 per second)
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([334, 667]);
  });
});
