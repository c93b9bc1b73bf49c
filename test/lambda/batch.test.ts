/**
 * The evaluating Lambda on SQS batches: a whole batch shares its Security Hub calls, and a
 * failure brings back only the messages it concerns (partial batch response).
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { BatchImportFindingsCommand, type BatchImportFindingsCommandInput, GetFindingsCommand, InternalException, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { DescribeAddonCommand, DescribeClusterCommand, DescribeNodegroupCommand, DescribePodIdentityAssociationCommand, EKSClient } from '@aws-sdk/client-eks';
import { EMRContainersClient, ListVirtualClustersCommand } from '@aws-sdk/client-emr-containers';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { findingId, productArn } from '#shared/findings/asff.ts';
import { type CloudTrailEvent, createEvaluatorHandler, type EvaluatorHandlerOptions } from '#shared/lambda/evaluator.ts';
import { RetryEventError } from '#shared/lambda/hooks.ts';
import type { Violation } from '#shared/pipeline/evaluate.ts';
import { EKS_READERS } from '#shared/sources/eks/readers.ts';
import { ACCOUNT, clusterArn, eksEvent, REGION, TEST_CATALOGUE, TEST_READERS } from '../support/fake-catalogue.ts';
import { FakeSecurityHub } from '../support/fake-security-hub.ts';
import { loadEvent } from '../support/pipeline.ts';

const securityHub = mockClient(SecurityHubClient);
const eks = mockClient(EKSClient);
/** The EMR on EKS client (3.623) does not type-check against aws-sdk-client-mock (see test/fixtures/eks/live.ts). */
const emr = mockClient(EMRContainersClient as never) as unknown as { reset(): void; on(command: unknown): { resolves(output: unknown): unknown } };
let fake: FakeSecurityHub;
let logger: Logger;

const context = {
  functionName: 'vigil-eks',
  invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:vigil-eks`,
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  getRemainingTimeInMillis: () => 60_000,
} as Context;

/** An SQS batch as Lambda's event source hands it over: message `m-<n>` carries the n-th body. */
function sqsEvent(bodies: readonly unknown[]): SQSEvent {
  const records: SQSRecord[] = bodies.map((body, index) => ({
    messageId: `m-${index}`,
    receiptHandle: `receipt-${index}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1741594000000', SenderId: 'AIDAEXAMPLE', ApproximateFirstReceiveTimestamp: '1741594000005' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:vigil-dev-EksQueue-1A2B3C4D5E6F`,
    awsRegion: REGION,
  }));
  return { Records: records };
}

/** The test catalogue's handler (one rule, TEST.1: no public endpoint), with a reader that may be made to fail. */
function testHandler(options: Partial<EvaluatorHandlerOptions> = {}) {
  return createEvaluatorHandler({
    service: 'eks',
    readers: TEST_READERS,
    catalogue: TEST_CATALOGUE,
    env: { AWS_REGION: REGION },
    logger,
    sink: { sleep: async () => {} },
    ...options,
  });
}

const testFindingId = (cluster: string) => findingId(ACCOUNT, REGION, 'TEST.1', clusterArn(cluster));
const arn = productArn('aws', REGION, ACCOUNT);

function clusterEvent(cluster: string, publicAccess: boolean | undefined, minute = 0): Record<string, unknown> {
  return eksEvent({
    eventName: 'UpdateClusterConfig',
    cluster,
    eventTime: `2025-03-01T10:${String(minute).padStart(2, '0')}:00Z`,
    ...(publicAccess === undefined ? {} : { publicAccess }),
  });
}

beforeEach(() => {
  // Prepare: an in-memory Security Hub, a compliant EKS, no EMR virtual cluster, a silent logger whose lines the tests read
  securityHub.reset();
  eks.reset();
  emr.reset();
  fake = new FakeSecurityHub();
  fake.attach(securityHub);
  logger = new Logger({ serviceName: 'vigil-eks', logLevel: 'SILENT' });
  vi.spyOn(logger, 'info');
  vi.spyOn(logger, 'warn');
  vi.spyOn(logger, 'error');
});

describe('evaluating Lambda on an SQS batch (test catalogue)', () => {
  it('publishes a batch of 30 events with one import and one GetFindings per 20 resources', async () => {
    // Prepare: 30 clusters, half of them public
    const bodies = Array.from({ length: 30 }, (_, index) => clusterEvent(`c-${index}`, index % 2 === 0));

    // Act
    const response = await testHandler()(sqsEvent(bodies), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(fake.count('BatchImportFindings')).toBe(1);
    expect(fake.count('GetFindings')).toBe(2);
    // The 15 PASSED findings are new: resolving them takes one call for all.
    expect(fake.count('BatchUpdateFindings')).toBe(1);
    expect(fake.get(arn, testFindingId('c-0'))?.Compliance?.Status).toBe('FAILED');
    expect(fake.get(arn, testFindingId('c-1'))?.Workflow?.Status).toBe('RESOLVED');
    expect(fake.store.size).toBe(30);
    expect(logger.info).toHaveBeenCalledExactlyOnceWith(
      'batch evaluated',
      expect.objectContaining({ messages: 30, evaluated: 30, retried: 0, findings: 30, imported: 30, workflowUpdated: 15, violations: 15, securityHubCalls: 4 }),
    );
  });

  it('skips a body that is not JSON and one that is no event, and does not report them as failures', async () => {
    // Prepare
    const bodies = ['{"detail-type": "AWS API Call via CloudTrail", ', '"just a string"', { hello: 'world' }, clusterEvent('c-ok', true)];

    // Act
    const response = await testHandler()(sqsEvent(bodies), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(logger.warn).toHaveBeenCalledWith('event skipped', expect.objectContaining({ reason: 'malformed', messageId: 'm-0' }));
    expect(vi.mocked(logger.warn).mock.calls.filter(([message]) => message === 'event skipped')).toHaveLength(3);
    expect(logger.info).toHaveBeenCalledWith(
      'batch evaluated',
      expect.objectContaining({ messages: 4, evaluated: 1, retried: 0, skipped: { malformed: 3, 'failed-call': 0, 'read-only': 0, 'not-handled': 0 } }),
    );
    expect(fake.get(arn, testFindingId('c-ok'))?.Compliance?.Status).toBe('FAILED');
  });

  it('reports exactly the message whose live read failed transiently, and publishes the others', async () => {
    // Prepare: the event on `flaky` does not say its endpoint access, and reading it fails with a 503
    const flakyReader = {
      ...(TEST_READERS[0] as (typeof TEST_READERS)[number]),
      read: async (subject: { ref: { name: string } }) => {
        if (subject.ref.name === 'flaky') throw Object.assign(new Error('service unavailable'), { name: 'ServiceUnavailableException' });
        return { found: true as const, state: { endpointPublicAccess: false, tags: {} } };
      },
    };
    const bodies = [clusterEvent('a', true), clusterEvent('flaky', undefined), clusterEvent('b', undefined), clusterEvent('c', false)];

    // Act
    const response = await testHandler({ readers: [flakyReader as never] })(sqsEvent(bodies), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(fake.get(arn, testFindingId('flaky'))).toBeUndefined();
    expect(['a', 'b', 'c'].map((cluster) => fake.get(arn, testFindingId(cluster))?.Compliance?.Status)).toEqual(['FAILED', 'PASSED', 'PASSED']);
    expect(fake.count('BatchImportFindings')).toBe(1);
    expect(logger.error).toHaveBeenCalledWith('event could not be evaluated', expect.objectContaining({ error: 'ServiceUnavailableException: service unavailable' }));
    expect(logger.info).toHaveBeenCalledWith('batch evaluated', expect.objectContaining({ messages: 4, evaluated: 3, retried: 1, imported: 3 }));
  });

  it('fails the whole batch when Security Hub fails without saying which findings', async () => {
    // Prepare
    securityHub.on(BatchImportFindingsCommand).rejects(new InternalException({ message: 'internal failure', $metadata: { httpStatusCode: 500 } }));

    // Act
    const attempt = testHandler()(sqsEvent([clusterEvent('a', true), clusterEvent('b', false)]), context);

    // Assess
    await expect(attempt).rejects.toThrowError('internal failure');
    expect(logger.error).toHaveBeenCalledWith('batch failed; Lambda will retry every message', expect.objectContaining({ messages: 2 }));
  });

  it('reports the messages whose findings Security Hub rejected, and hands only published violations to the hook', async () => {
    // Prepare: Security Hub refuses the finding of `rejected` (twice in the batch), takes the rest
    const refused = testFindingId('rejected');
    securityHub.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => {
      const accepted = fake.batchImport({ Findings: (input.Findings ?? []).filter((finding) => finding.Id !== refused) });
      const failed = (input.Findings ?? []).filter((finding) => finding.Id === refused).map((finding) => ({ Id: finding.Id, ErrorCode: 'InvalidInput', ErrorMessage: 'refused' }));
      return { ...accepted, FailedCount: failed.length, FailedFindings: failed };
    });
    const handed: string[][] = [];
    const onViolations = vi.fn(async (violations: readonly Violation[]) => {
      handed.push(violations.map((violation) => violation.findingId));
    });
    const bodies = [clusterEvent('rejected', true, 1), clusterEvent('kept', true), clusterEvent('rejected', true, 2)];

    // Act
    const response = await testHandler({ onViolations })(sqsEvent(bodies), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-0' }, { itemIdentifier: 'm-2' }] });
    expect(fake.get(arn, testFindingId('kept'))?.Compliance?.Status).toBe('FAILED');
    expect(handed).toEqual([[testFindingId('kept')]]);
  });

  it('reports the delete whose findings Security Hub would not archive, and acknowledges the rest', async () => {
    // Prepare: `gone` has an active finding; Security Hub refuses archived findings, takes the rest
    await testHandler()(sqsEvent([clusterEvent('gone', true)]), context);
    securityHub.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => {
      const findings = input.Findings ?? [];
      const accepted = fake.batchImport({ Findings: findings.filter((finding) => finding.RecordState !== 'ARCHIVED') });
      const failed = findings.filter((finding) => finding.RecordState === 'ARCHIVED').map((finding) => ({ Id: finding.Id, ErrorCode: 'InvalidInput', ErrorMessage: 'refused' }));
      return { ...accepted, FailedCount: failed.length, FailedFindings: failed };
    });
    const deleted = eksEvent({ eventName: 'DeleteCluster', cluster: 'gone', eventTime: '2025-03-01T11:00:00Z' });

    // Act
    const response = await testHandler()(sqsEvent([deleted, clusterEvent('a', true, 30)]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-0' }] });
    expect(fake.get(arn, testFindingId('gone'))?.RecordState).toBe('ACTIVE');
    expect(fake.get(arn, testFindingId('a'))?.Compliance?.Status).toBe('FAILED');
  });

  it('calls the hook once per batch after publishing; a retry request brings back only the messages it was given', async () => {
    // Prepare
    const seenInHub: (string | undefined)[] = [];
    const onViolations = vi.fn(async (violations: readonly Violation[]) => {
      seenInHub.push(...violations.map((violation) => fake.get(arn, violation.findingId)?.Compliance?.Status));
      throw new RetryEventError('cluster busy, try later');
    });
    const bodies = [clusterEvent('a', false), clusterEvent('b', true), clusterEvent('c', false), clusterEvent('d', true)];

    // Act
    const response = await testHandler({ onViolations })(sqsEvent(bodies), context);

    // Assess
    expect(onViolations).toHaveBeenCalledOnce();
    expect(seenInHub).toEqual(['FAILED', 'FAILED']);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-3' }] });
  });
});

/** Copy `variant` of a fixture: its cluster renamed (copies name distinct resources), with its own event id. */
function variantOf(event: Record<string, unknown>, variant: number): Record<string, unknown> {
  const rename = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rename);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, (key === 'name' || key === 'clusterName') && typeof item === 'string' ? `${item}-${variant}` : rename(item)]),
    );
  };
  const copy = rename(event) as Record<string, unknown> & { detail: Record<string, unknown> };
  copy.detail.eventID = randomUUID();
  return copy;
}

/** Several rules and verdicts: cluster creation (six rules), access policies, add-ons, updates, a delete. */
const FIXTURES = [
  'eks-1/CreateCluster.fail.public-cidr.json',
  'eks-2/CreateCluster.fail.no-logging.json',
  'eks-3/CreateCluster.pass.kms-secrets.json',
  'eks-1/UpdateClusterConfig.pass.private-only.json',
  'eks-9/UpdateClusterVersion.fail.below-minimum.json',
  'eks-6/AssociateAccessPolicy.fail.cluster-admin.json',
  'eks-7/AssociateAccessPolicy.fail.edit-emr-namespace.json',
  'eks-8/CreateAddon.fail.no-configuration.json',
  'eks-8/CreateAddon.pass.json-network-policy.json',
  'eks-1/DeleteCluster.archive.json',
];

describe('evaluating Lambda on an SQS batch (real EKS rules, fixtures from events/)', () => {
  function eksHandler() {
    return createEvaluatorHandler({ service: 'eks', readers: EKS_READERS, env: { AWS_REGION: REGION }, logger, sink: { sleep: async () => {} } });
  }

  beforeEach(() => {
    // Prepare: what the rules may read live (tags of failing resources, fields an event leaves unknown)
    eks.on(DescribeClusterCommand).callsFake((input: { name?: string }) => ({
      cluster: { name: input.name, version: '1.31', resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true }, tags: {} },
    }));
    eks.on(DescribeAddonCommand).callsFake((input: { clusterName?: string; addonName?: string }) => ({ addon: { clusterName: input.clusterName, addonName: input.addonName, tags: {} } }));
    eks.on(DescribeNodegroupCommand).callsFake((input: { clusterName?: string; nodegroupName?: string }) => ({ nodegroup: { clusterName: input.clusterName, nodegroupName: input.nodegroupName, tags: {} } }));
    eks.on(DescribePodIdentityAssociationCommand).callsFake((input: { clusterName?: string; associationId?: string }) => ({ association: { clusterName: input.clusterName, associationId: input.associationId, tags: {} } }));
    emr.on(ListVirtualClustersCommand).resolves({ virtualClusters: [] });
  });

  it('publishes 250 events with a handful of Security Hub calls, ten times fewer than one event per invocation', async () => {
    // Prepare: 25 copies of 10 fixtures, each copy on its own clusters
    const bodies = Array.from({ length: 25 }, (_, variant) => FIXTURES.map((path) => variantOf(loadEvent(path), variant))).flat();
    const perEvent = new FakeSecurityHub();

    // Act: the batch, then the same events one per invocation (as before the queues) into another Security Hub
    const response = await eksHandler()(sqsEvent(bodies), context);
    const batch = { imports: fake.count('BatchImportFindings'), reads: fake.count('GetFindings'), updates: fake.count('BatchUpdateFindings') };
    securityHub.reset();
    perEvent.attach(securityHub);
    const single = eksHandler();
    for (const body of bodies) await single(body as unknown as CloudTrailEvent, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const summary = vi.mocked(logger.info).mock.calls.find(([message]) => message === 'batch evaluated')?.[1] as { findings: number; imported: number; archived: number; retried: number };
    expect(summary).toMatchObject({ retried: 0 });
    expect(summary.imported).toBeGreaterThan(200);
    expect(summary.archived).toBeGreaterThan(0);
    // One import per 100 findings, for the verdicts and for the archived findings of the deleted clusters.
    expect(batch.imports).toBe(Math.ceil(summary.imported / 100) + Math.ceil(summary.archived / 100));
    // One GetFindings per 20 resources, and as many again at most for the deletes' active findings.
    const resources = new Set([...fake.store.values()].map((finding) => finding.Resources?.[0]?.Id));
    expect(batch.reads).toBeLessThanOrEqual(Math.ceil(resources.size / 20) * 2);
    // One BatchUpdateFindings per workflow status (RESOLVED, SUPPRESSED) per 100 findings.
    expect(batch.updates).toBeLessThanOrEqual(2 * Math.ceil(summary.findings / 100));
    const batchCalls = batch.imports + batch.reads + batch.updates;
    expect(batchCalls).toBeLessThan(bodies.length / 10);
    expect(perEvent.calls.length).toBeGreaterThanOrEqual(bodies.length * 2);
    expect(batchCalls * 10).toBeLessThanOrEqual(perEvent.calls.length);
    // Both ways end in the same Security Hub.
    expect([...perEvent.store.keys()].sort()).toEqual([...fake.store.keys()].sort());
  });

  it('still evaluates a bare EventBridge event (serverless invoke local with a file from events/)', async () => {
    // Act
    const summary = await eksHandler()(loadEvent('eks-1/CreateCluster.fail.public-cidr.json') as unknown as CloudTrailEvent, context);

    // Assess
    expect(summary).toMatchObject({ eventName: 'CreateCluster', imported: fake.store.size, violations: expect.any(Number) });
    expect(summary.imported).toBeGreaterThan(1);
    expect(summary.securityHubCalls).toBe(fake.calls.length);
    expect(securityHub.commandCalls(GetFindingsCommand)).toHaveLength(1);
  });
});
