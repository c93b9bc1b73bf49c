import { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClientCache } from '#shared/aws/clients.ts';
import { parseConfig, type VigilConfigInput } from '#shared/config.ts';
import { type CloudTrailEvent, createEvaluatorHandler } from '#shared/lambda/evaluator.ts';
import type { Violation } from '#shared/pipeline/evaluate.ts';
import { createRemediationDispatcher, DISPATCH_PERMISSION, type DispatcherOptions, dispatchRemediationRequests } from '#shared/remediation/dispatch.ts';
import { REMEDIATION_DETAIL_TYPE, REMEDIATION_SOURCE, remediationRequestSchema, requestOf } from '#shared/remediation/request.ts';
import { EKS_READERS } from '#shared/sources/eks/readers.ts';
import { FakeSecurityHub } from '../support/fake-security-hub.ts';
import { evaluateEvent, loadEvent } from '../support/pipeline.ts';
import { recordingLog, REMEDIATOR_ROLE_ARN } from './support.ts';

const eventBridge = mockClient(EventBridgeClient);
const securityHub = mockClient(SecurityHubClient);

const EKS_RULES_OPTED_IN: VigilConfigInput = {
  allowedPublicAccessCidrs: ['203.0.113.0/24'],
  remediation: { enabledRules: ['EKS.1', 'EKS.2', 'EKS.3', 'EKS.4'], kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1f2e3d4c-5b6a-4789-8abc-0d1e2f3a4b5c' },
};

async function violationsOf(fixture: string, config: VigilConfigInput = EKS_RULES_OPTED_IN): Promise<Violation[]> {
  return (await evaluateEvent(loadEvent(`remediation/${fixture}`), { config })).violations;
}

function dispatch(violations: readonly Violation[], config: VigilConfigInput = EKS_RULES_OPTED_IN, options: DispatcherOptions = {}) {
  const log = recordingLog();
  const report = dispatchRemediationRequests(
    violations,
    { aws: createClientCache({ maxAttempts: 1 }), config: parseConfig(config), log, eventId: violations[0]?.change.eventId ?? '' },
    { remediatorRoleArn: REMEDIATOR_ROLE_ARN, region: 'eu-west-1', sleep: async () => {}, env: {}, ...options },
  );
  return { log, report };
}

function sentEntries(): PutEventsRequestEntry[][] {
  return eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);
}

function ruleIdsSent(): string[] {
  return sentEntries()
    .flat()
    .map((entry) => remediationRequestSchema.parse(JSON.parse(entry.Detail ?? '{}')).ruleId);
}

/** PutEvents answering every entry with an event id. */
function acceptAll(): void {
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((_entry, index) => ({ EventId: `accepted-${index}` })),
  }));
}

describe('remediation dispatcher (evaluating Lambda side)', () => {
  beforeEach(() => {
    eventBridge.reset();
    acceptAll();
  });

  it('puts one request per opted-in violation on the default bus, with the finding and the trigger', async () => {
    // Prepare
    const violations = await violationsOf('CreateCluster.fail.api-defaults.json');

    // Act
    const { report } = dispatch(violations);

    // Assess
    expect(await report).toEqual({ sent: 4, failed: 0, skipped: { 'not-opted-in': 1 } });
    expect(ruleIdsSent()).toEqual(['EKS.1', 'EKS.2', 'EKS.3', 'EKS.4']);
    const [entry] = sentEntries()[0] ?? [];
    expect(entry).toMatchObject({ Source: REMEDIATION_SOURCE, DetailType: REMEDIATION_DETAIL_TYPE, EventBusName: 'default' });
    const eks1 = violations.find((violation) => violation.rule.id === 'EKS.1');
    expect(JSON.parse(entry?.Detail ?? '{}')).toEqual(eks1 ? requestOf(eks1) : undefined);
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({
      ruleId: 'EKS.1',
      findingId: eks1?.findingId,
      findingRegion: 'eu-west-1',
      resource: { kind: 'eks-cluster', id: 'arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod' },
      trigger: {
        eventId: '8b0f3c71-5e2d-4a96-9d1e-2f7c4a6b8e03',
        eventTime: '2025-03-24T10:01:52.000Z',
        eventName: 'CreateCluster',
        sessionIssuerArn: 'arn:aws:iam::111122223333:role/platform-admin',
      },
      state: { clusterName: 'payments-prod', endpointPublicAccess: true, publicAccessCidrs: ['0.0.0.0/0'] },
    });
  });

  it('puts only what its declared permission allows: the default bus, the Vigil request source', async () => {
    // Act
    const { report } = dispatch(await violationsOf('CreateCluster.fail.api-defaults.json'));
    await report;

    // Assess
    expect(DISPATCH_PERMISSION).toEqual({
      actions: ['events:PutEvents'],
      resources: ['arn:${partition}:events:${region}:${account}:event-bus/default'],
      condition: { StringEquals: { 'events:source': 'vigil.remediation' } },
    });
    for (const entry of sentEntries().flat()) expect(entry).toMatchObject({ Source: 'vigil.remediation', EventBusName: 'default' });
  });

  it('requests nothing for a change made by the remediator role (its sessionIssuer ARN, with path)', async () => {
    // Prepare: Vigil's own EKS.4 repair leaves API_AND_CONFIG_MAP, which still fails (LOW).
    const violations = await violationsOf('UpdateClusterConfig.fail.by-vigil-remediator.json');
    expect(violations.map((violation) => violation.rule.id)).toEqual(['EKS.4']);

    // Act
    const { report, log } = dispatch(violations);

    // Assess
    expect(await report).toEqual({ sent: 0, failed: 0, skipped: { 'own-change': 1 } });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(log.lines.map((line) => line.message)).toContain('change made by the Vigil remediator; no remediation requested');
  });

  it('requests remediation when only the session name says "vigil-remediator"', async () => {
    // Prepare
    const violations = await violationsOf('UpdateClusterConfig.fail.session-named-vigil-remediator.json');

    // Act
    const { report } = dispatch(violations);

    // Assess
    expect((await report).sent).toBe(1);
    expect(ruleIdsSent()).toEqual(['EKS.4']);
  });

  it('requests nothing for rules not opted in (the default)', async () => {
    // Prepare
    const violations = await violationsOf('CreateCluster.fail.api-defaults.json', {});

    // Act
    const { report } = dispatch(violations, {});

    // Assess
    expect(await report).toEqual({ sent: 0, failed: 0, skipped: { 'not-opted-in': 5 } });
    expect(eventBridge.calls()).toHaveLength(0);
  });

  it('still requests in dry-run mode: the remediator records what it would do', async () => {
    // Prepare
    const config = { ...EKS_RULES_OPTED_IN, remediation: { ...EKS_RULES_OPTED_IN.remediation, dryRun: true } };
    const violations = await violationsOf('CreateCluster.fail.api-defaults.json', config);

    // Act
    const { report } = dispatch(violations, config);

    // Assess
    expect((await report).sent).toBe(4);
  });

  it('requests nothing, and says why, when the remediator role ARN is not configured', async () => {
    // Prepare
    const violations = await violationsOf('CreateCluster.fail.api-defaults.json');

    // Act
    const { report, log } = dispatch(violations, EKS_RULES_OPTED_IN, { remediatorRoleArn: undefined, env: {} });

    // Assess
    expect(await report).toMatchObject({ sent: 0, failed: 4 });
    expect(eventBridge.calls()).toHaveLength(0);
    expect(log.lines.find((line) => line.level === 'error')?.message).toContain('VIGIL_REMEDIATOR_ROLE_ARN');
  });

  it('sends at most 10 entries per PutEvents call', async () => {
    // Prepare: 23 violations on distinct resources
    const [eks1] = (await violationsOf('CreateCluster.fail.api-defaults.json')).filter((violation) => violation.rule.id === 'EKS.1');
    if (!eks1) throw new Error('fixture must fail EKS.1');
    const many = Array.from({ length: 23 }, (_, index) => ({ ...eks1, findingId: `${eks1.findingId}-${index}` }));

    // Act
    const { report } = dispatch(many);

    // Assess
    expect((await report).sent).toBe(23);
    expect(sentEntries().map((entries) => entries.length)).toEqual([10, 10, 3]);
  });

  it('sends one request per finding when a batch names it twice', async () => {
    // Prepare
    const violations = (await violationsOf('CreateCluster.fail.api-defaults.json')).filter((violation) => violation.rule.id === 'EKS.2');

    // Act
    const { report } = dispatch([...violations, ...violations]);

    // Assess
    expect(await report).toEqual({ sent: 1, failed: 0, skipped: { duplicate: 1 } });
  });

  it('retries only the entries PutEvents failed (FailedEntryCount), then succeeds', async () => {
    // Prepare: the second entry fails once
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'e-1' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }, { EventId: 'e-3' }, { EventId: 'e-4' }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] });
    const violations = await violationsOf('CreateCluster.fail.api-defaults.json');

    // Act
    const { report } = dispatch(violations);

    // Assess
    expect(await report).toMatchObject({ sent: 4, failed: 0 });
    expect(sentEntries().map((entries) => entries.length)).toEqual([4, 1]);
    expect(ruleIdsSent()).toEqual(['EKS.1', 'EKS.2', 'EKS.3', 'EKS.4', 'EKS.2']);
  });

  it('logs each request that stays failed as an error, and never throws', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error('endpoint unreachable'), { name: 'TimeoutError' }));
    const violations = (await violationsOf('CreateCluster.fail.api-defaults.json')).filter((violation) => violation.rule.id === 'EKS.3');

    // Act
    const { report, log } = dispatch(violations, EKS_RULES_OPTED_IN, { attempts: 3 });

    // Assess
    expect(await report).toMatchObject({ sent: 0, failed: 1 });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(3);
    expect(log.lines.filter((line) => line.level === 'error')).toEqual([
      expect.objectContaining({
        message: 'remediation request could not be sent; the finding stays published and FAILED',
        extra: expect.objectContaining({ ruleId: 'EKS.3', error: 'TimeoutError: endpoint unreachable', attempts: 3 }),
      }),
    ]);
  });
});

describe('remediation dispatcher wired into the evaluating Lambda', () => {
  beforeEach(() => {
    eventBridge.reset();
    securityHub.reset();
  });

  it('publishes the findings first, then requests their remediation', async () => {
    // Prepare
    const fake = new FakeSecurityHub();
    fake.attach(securityHub);
    const publishedWhenRequested: (string | undefined)[] = [];
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      for (const entry of input.Entries) {
        const request = remediationRequestSchema.parse(JSON.parse(entry.Detail ?? '{}'));
        publishedWhenRequested.push(fake.get(request.productArn, request.findingId)?.Compliance?.Status);
      }
      return { FailedEntryCount: 0, Entries: input.Entries.map((_entry, index) => ({ EventId: `accepted-${index}` })) };
    });
    const handler = createEvaluatorHandler({
      service: 'eks',
      readers: EKS_READERS,
      env: { AWS_REGION: 'eu-west-1', VIGIL_CONFIG: JSON.stringify(EKS_RULES_OPTED_IN), VIGIL_REMEDIATOR_ROLE_ARN: REMEDIATOR_ROLE_ARN },
      logger: new Logger({ serviceName: 'vigil-eks', logLevel: 'SILENT' }),
      sink: { sleep: async () => {} },
      onViolations: createRemediationDispatcher({ env: { AWS_REGION: 'eu-west-1', VIGIL_REMEDIATOR_ROLE_ARN: REMEDIATOR_ROLE_ARN }, sleep: async () => {} }),
    });
    const context = { invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:vigil-eks', getRemainingTimeInMillis: () => 30_000 } as Context;

    // Act
    const summary = await handler(loadEvent('remediation/CreateCluster.fail.api-defaults.json') as unknown as CloudTrailEvent, context);

    // Assess
    expect(summary.violations).toBe(5);
    expect(publishedWhenRequested).toEqual(['FAILED', 'FAILED', 'FAILED', 'FAILED']);
  });
});
