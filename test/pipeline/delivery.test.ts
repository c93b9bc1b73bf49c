/**
 * Duplicate, late and out-of-order delivery through `processBatch` into a Security Hub that,
 * like the real one, ignores updates that are not newer than what it holds.
 */
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClientCache } from '#shared/aws/clients.ts';
import { parseConfig } from '#shared/config.ts';
import { findingId, productArn } from '#shared/findings/asff.ts';
import { SecurityHubSink } from '#shared/findings/securityhub.ts';
import { Pipeline, processBatch } from '#shared/pipeline/evaluate.ts';
import { createRegistry } from '#shared/registry.ts';
import { ACCOUNT, clusterArn, eksEvent, REGION, TEST_CATALOGUE, TEST_READERS } from '../support/fake-catalogue.ts';
import { FakeSecurityHub } from '../support/fake-security-hub.ts';

const securityHub = mockClient(SecurityHubClient);
let fake: FakeSecurityHub;
let sink: SecurityHubSink;

const pipeline = new Pipeline({
  registry: createRegistry({ ...TEST_CATALOGUE, readers: TEST_READERS, service: 'eks' }),
  config: parseConfig({}),
  findingRegion: REGION,
});

const T1 = '2025-03-01T10:00:00Z';
const T2 = '2025-03-01T11:00:00Z';
const T3 = '2025-03-01T12:00:00Z';

const opened = eksEvent({ eventName: 'UpdateClusterConfig', cluster: 'prod-1', eventTime: T1, publicAccess: true });
const closed = eksEvent({ eventName: 'UpdateClusterConfig', cluster: 'prod-1', eventTime: T2, publicAccess: false });
const deleted = eksEvent({ eventName: 'DeleteCluster', cluster: 'prod-1', eventTime: T3 });

function stored() {
  return fake.get(productArn('aws', REGION, ACCOUNT), findingId(ACCOUNT, REGION, 'TEST.1', clusterArn('prod-1')));
}

/** One Lambda invocation per event, as EventBridge delivers them. */
async function deliver(...events: unknown[]) {
  const results = [];
  for (const event of events) results.push(await processBatch(pipeline, sink, [event]));
  return results;
}

beforeEach(() => {
  // Prepare
  securityHub.reset();
  fake = new FakeSecurityHub();
  fake.attach(securityHub);
  sink = new SecurityHubSink({ clients: createClientCache({ maxAttempts: 1 }), accountId: ACCOUNT, sleep: async () => {} });
});

describe('delivery order through processBatch', () => {
  it('fails then resolves in order, keeping the first observation', async () => {
    // Act
    await deliver(opened, closed);

    // Assess
    expect(fake.store.size).toBe(1);
    expect(stored()).toMatchObject({
      Compliance: { Status: 'PASSED' },
      Workflow: { Status: 'RESOLVED' },
      UpdatedAt: '2025-03-01T11:00:00.000Z',
      CreatedAt: '2025-03-01T10:00:00.000Z',
      FirstObservedAt: '2025-03-01T10:00:00.000Z',
    });
  });

  it('keeps the newer PASSED when the older FAILED arrives late', async () => {
    // Act
    const [, late] = await deliver(closed, opened);

    // Assess
    expect(late?.sink).toEqual({ imported: 0, workflowUpdated: 0, archived: 0, stale: 1 });
    expect(stored()).toMatchObject({ Compliance: { Status: 'PASSED' }, Workflow: { Status: 'RESOLVED' }, UpdatedAt: '2025-03-01T11:00:00.000Z' });
  });

  it('keeps the newer FAILED when the older PASSED arrives late: no RESOLVED on it', async () => {
    // Prepare
    const reopened = eksEvent({ eventName: 'UpdateClusterConfig', cluster: 'prod-1', eventTime: T3, publicAccess: true });

    // Act
    await deliver(opened, reopened, closed);

    // Assess
    expect(stored()).toMatchObject({ Compliance: { Status: 'FAILED' }, Workflow: { Status: 'NEW' }, UpdatedAt: '2025-03-01T12:00:00.000Z' });
  });

  it('treats a duplicate delivery as stale and spends one read on it', async () => {
    // Prepare
    await deliver(opened, closed);
    const callsBefore = sink.totalCalls;

    // Act
    const [duplicate] = await deliver(closed);

    // Assess
    expect(duplicate?.sink).toEqual({ imported: 0, workflowUpdated: 0, archived: 0, stale: 1 });
    expect(sink.totalCalls - callsBefore).toBe(1);
    expect(fake.store.size).toBe(1);
    expect(stored()).toMatchObject({ Compliance: { Status: 'PASSED' }, Workflow: { Status: 'RESOLVED' } });
  });

  it('publishes one finding in the newest state from one batch holding a duplicate and a late event', async () => {
    // Act
    const result = await processBatch(pipeline, sink, [closed, opened, closed]);

    // Assess
    expect(result.published).toHaveLength(1);
    expect(result.sink.imported).toBe(1);
    expect(fake.count('BatchImportFindings')).toBe(1);
    expect(stored()).toMatchObject({ Compliance: { Status: 'PASSED' }, Workflow: { Status: 'RESOLVED' } });
  });

  it('archives on delete, and a late update from before the delete does not bring it back', async () => {
    // Act
    const [, archive, late] = await deliver(opened, deleted, closed);

    // Assess
    expect(archive?.sink.archived).toBe(1);
    expect(late?.sink.stale).toBe(1);
    expect(stored()).toMatchObject({ RecordState: 'ARCHIVED', UpdatedAt: '2025-03-01T12:00:00.000Z', Compliance: { Status: 'FAILED' } });
  });

  it('suppresses the finding of a cluster tagged exempt', async () => {
    // Prepare
    const exempt = eksEvent({ eventName: 'CreateCluster', cluster: 'prod-1', eventTime: T1, publicAccess: true, tags: { 'compliance:exempt': 'TEST.1' } });

    // Act
    const [result] = await deliver(exempt);

    // Assess
    expect(result?.outcomes[0]?.violations).toEqual([]);
    expect(stored()).toMatchObject({ Compliance: { Status: 'FAILED' }, Workflow: { Status: 'SUPPRESSED' } });
  });
});
