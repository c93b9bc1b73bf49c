import { Logger } from '@aws-lambda-powertools/logger';
import { BatchImportFindingsCommand, InternalException, SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '#shared/config.ts';
import { findingId, productArn } from '#shared/findings/asff.ts';
import { type CloudTrailEvent, createEvaluatorHandler, type EvaluatorHandlerOptions } from '#shared/lambda/evaluator.ts';
import { RetryEventError } from '#shared/lambda/hooks.ts';
import { ACCOUNT, clusterArn, eksEvent, REGION, TEST_CATALOGUE, TEST_READERS } from '../support/fake-catalogue.ts';
import { FakeSecurityHub } from '../support/fake-security-hub.ts';

const securityHub = mockClient(SecurityHubClient);
let fake: FakeSecurityHub;
let logger: Logger;

const context = {
  functionName: 'vigil-eks',
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:vigil-eks`,
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/vigil-eks',
  logStreamName: '2025/03/01/[$LATEST]abcdef',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
} as Context;

function handlerWith(options: Partial<EvaluatorHandlerOptions> = {}) {
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

const failing = eksEvent({ eventName: 'UpdateClusterConfig', cluster: 'prod-1', eventTime: '2025-03-01T10:00:00Z', publicAccess: true, eventId: 'e-fail' });
const storedId = findingId(ACCOUNT, REGION, 'TEST.1', clusterArn('prod-1'));
const storedArn = productArn('aws', REGION, ACCOUNT);

beforeEach(() => {
  // Prepare: an in-memory Security Hub and a silent logger whose lines the tests read
  securityHub.reset();
  fake = new FakeSecurityHub();
  fake.attach(securityHub);
  logger = new Logger({ serviceName: 'vigil-eks', logLevel: 'SILENT' });
  vi.spyOn(logger, 'info');
  vi.spyOn(logger, 'error');
});

describe('evaluating Lambda handler', () => {
  it.each([
    ['a malformed event', { 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.eks', detail: { eventName: 'CreateCluster' } }, 'malformed'],
    ['a value that is no event at all', 'not an event', 'malformed'],
    ['an event name Vigil does not evaluate', eksEvent({ eventName: 'ListClusters', cluster: 'prod-1', eventTime: '2025-03-01T10:00:00Z' }), 'not-handled'],
    ['a call that failed', eksEvent({ eventName: 'UpdateClusterConfig', cluster: 'prod-1', eventTime: '2025-03-01T10:00:00Z', publicAccess: true, errorCode: 'AccessDeniedException' }), 'failed-call'],
  ])('skips %s with one log line and no throw', async (_label, event, reason) => {
    // Act
    const summary = await handlerWith()(event as unknown as CloudTrailEvent, context);

    // Assess
    expect(summary).toMatchObject({ skipped: reason, findings: 0, securityHubCalls: 0 });
    expect(logger.info).toHaveBeenCalledExactlyOnceWith('event skipped', expect.objectContaining({ skipped: reason }));
    expect(securityHub.calls()).toHaveLength(0);
  });

  it('publishes a FAILED verdict, then hands the violation to the hook', async () => {
    // Prepare: the hook sees the finding already in Security Hub
    const seen: unknown[] = [];
    const onViolations = vi.fn(async (violations: readonly { findingId: string }[]) => {
      seen.push(fake.get(storedArn, storedId)?.Compliance?.Status, violations.map((violation) => violation.findingId));
    });

    // Act
    const summary = await handlerWith({ onViolations })(failing as unknown as CloudTrailEvent, context);

    // Assess
    expect(summary).toEqual({
      eventId: 'e-fail',
      eventName: 'UpdateClusterConfig',
      findings: 1,
      imported: 1,
      workflowUpdated: 0,
      archived: 0,
      stale: 0,
      notEvaluated: 0,
      violations: 1,
      securityHubCalls: 2,
    });
    expect(seen).toEqual(['FAILED', [storedId]]);
    expect(logger.info).toHaveBeenCalledWith('event evaluated', expect.objectContaining({ eventId: 'e-fail', imported: 1 }));
  });

  it('keeps the finding and succeeds when the hook fails', async () => {
    // Prepare
    const onViolations = vi.fn(async () => {
      throw new Error('remediation refused');
    });

    // Act
    const summary = await handlerWith({ onViolations })(failing as unknown as CloudTrailEvent, context);

    // Assess
    expect(summary.imported).toBe(1);
    expect(fake.get(storedArn, storedId)?.Compliance?.Status).toBe('FAILED');
    expect(logger.error).toHaveBeenCalledWith('violation hook failed; the findings stay published', expect.objectContaining({ retry: false }));
  });

  it('throws when the hook asks for a retry, after publishing', async () => {
    // Prepare
    const onViolations = vi.fn(async () => {
      throw new RetryEventError('cluster busy, try later');
    });

    // Act
    const attempt = handlerWith({ onViolations })(failing as unknown as CloudTrailEvent, context);

    // Assess
    await expect(attempt).rejects.toThrowError(RetryEventError);
    expect(fake.get(storedArn, storedId)?.Compliance?.Status).toBe('FAILED');
  });

  it('throws when Security Hub fails, so Lambda retries the event', async () => {
    // Prepare
    securityHub.on(BatchImportFindingsCommand).rejects(new InternalException({ message: 'internal failure', $metadata: { httpStatusCode: 500 } }));

    // Act
    const attempt = handlerWith()(failing as unknown as CloudTrailEvent, context);

    // Assess
    await expect(attempt).rejects.toThrowError('internal failure');
    expect(logger.error).toHaveBeenCalledWith('event failed; Lambda will retry it', expect.objectContaining({ eventId: 'e-fail' }));
  });

  it('refuses at cold start a bundle that lacks a reader its rules need', () => {
    expect(() => handlerWith({ readers: [] })).toThrowError('vigil-eks: the rules need readers this function does not bundle: eks:DescribeCluster');
  });

  it('refuses at cold start a bad configuration', () => {
    expect(() => handlerWith({ env: { AWS_REGION: REGION, VIGIL_CONFIG: '{"disabledRules":["nope"]}' } })).toThrowError(ConfigError);
  });

  it('refuses at cold start to run without a region', () => {
    expect(() => handlerWith({ env: {} })).toThrowError(/AWS_REGION is not set/);
  });
});
