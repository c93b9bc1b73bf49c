/**
 * Warm handler time per event: each evaluating Lambda's handler (the TypeScript entry in
 * `functions/`), invoked in this process on the fixtures of its service, with every AWS client
 * mocked by aws-sdk-client-mock (Security Hub holds nothing, so every verdict is imported; the
 * live reads answer with a small compliant world). Counts the AWS calls per event as well, and
 * (`measureBatching`) what they become when the events arrive in SQS batches, as deployed.
 */
import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { DescribeImagesCommand, DescribeLaunchTemplatesCommand, DescribeLaunchTemplateVersionsCommand, DescribeRouteTablesCommand, DescribeSubnetsCommand, EC2Client, GetInstanceMetadataDefaultsCommand } from '@aws-sdk/client-ec2';
import { DescribeAddonCommand, DescribeClusterCommand, DescribeNodegroupCommand, DescribePodIdentityAssociationCommand, EKSClient } from '@aws-sdk/client-eks';
import { DescribeJobRunCommand, DescribeJobTemplateCommand, DescribeManagedEndpointCommand, DescribeVirtualClusterCommand, EMRContainersClient, ListJobRunsCommand, ListVirtualClustersCommand } from '@aws-sdk/client-emr-containers';
import { GetPolicyCommand, GetPolicyVersionCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, ListEntitiesForPolicyCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCOUNT, REGION, vary } from './archive.ts';
import { LAMBDA_ENV } from './bundles.ts';

export const EVALUATORS = { iam: 'iam.amazonaws.com', eks: 'eks.amazonaws.com', ec2: 'ec2.amazonaws.com', 'emr-containers': 'emr-containers.amazonaws.com' } as const;

export interface WarmFigures {
  name: string;
  events: number;
  invocations: number;
  p50Ms: number;
  p99Ms: number;
  /** AWS calls per event: all of them, and those to Security Hub. */
  callsPerEvent: number;
  securityHubCallsPerEvent: number;
  errors: number;
  firstError?: string;
}

/** What the benchmark needs of every stub, whatever its client's types. */
interface AnyStub {
  calls(): readonly unknown[];
  resetHistory(): void;
  restore(): void;
}

/**
 * The EMR on EKS client (3.623, the newest on this registry) is built on older @smithy/types than
 * aws-sdk-client-mock's: it runs under the mock but does not type-check against it.
 */
interface EmrStub extends AnyStub {
  on<I extends object>(command: new (input: I) => unknown): { callsFake(fake: (input: I) => object): unknown; resolves(output: object): unknown };
}

const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b`;
const NODE_ROLE = `arn:aws:iam::${ACCOUNT}:role/eks-node-role`;
const EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/emr-job-execution`;
const OIDC = `oidc.eks.${REGION}.amazonaws.com/id/5C4B1A7D9E2F8A3B6C0D1E2F3A4B5C6D`;

function encoded(document: unknown): string {
  return encodeURIComponent(JSON.stringify(document));
}

/** A small, compliant AWS: what the live reads see. */
function mockAws(): AnyStub[] {
  const securityHub = mockClient(SecurityHubClient);
  securityHub.on(GetFindingsCommand).resolves({ Findings: [] });
  securityHub.on(BatchImportFindingsCommand).callsFake((input: { Findings?: unknown[] }) => ({ FailedCount: 0, SuccessCount: input.Findings?.length ?? 0, FailedFindings: [] }));
  securityHub.on(BatchUpdateFindingsCommand).callsFake((input: { FindingIdentifiers?: unknown[] }) => ({ ProcessedFindings: input.FindingIdentifiers ?? [], UnprocessedFindings: [] }));

  const eks = mockClient(EKSClient);
  eks.on(DescribeClusterCommand).callsFake((input: { name?: string }) => ({
    cluster: {
      name: input.name,
      arn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${input.name}`,
      version: '1.31',
      status: 'ACTIVE',
      resourcesVpcConfig: { subnetIds: ['subnet-0a1b2c3d4e5f60718'], vpcId: 'vpc-0a1b2c3d4e5f60718', endpointPublicAccess: false, endpointPrivateAccess: true, publicAccessCidrs: [] },
      logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], enabled: true }] },
      encryptionConfig: [{ resources: ['secrets'], provider: { keyArn: KEY_ARN } }],
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false },
      identity: { oidc: { issuer: `https://${OIDC}` } },
      tags: {},
    },
  }));
  eks.on(DescribeAddonCommand).callsFake((input: { clusterName?: string; addonName?: string }) => ({
    addon: { addonName: input.addonName, clusterName: input.clusterName, configurationValues: '{"enableNetworkPolicy":"true"}', tags: {} },
  }));
  eks.on(DescribeNodegroupCommand).callsFake((input: { clusterName?: string; nodegroupName?: string }) => ({
    nodegroup: { nodegroupName: input.nodegroupName, clusterName: input.clusterName, nodeRole: NODE_ROLE, launchTemplate: { id: 'lt-0a1b2c3d4e5f60718', version: '1' }, tags: {} },
  }));
  eks.on(DescribePodIdentityAssociationCommand).callsFake((input: { clusterName?: string; associationId?: string }) => ({
    association: { clusterName: input.clusterName, associationId: input.associationId, namespace: 'orders', serviceAccount: 'orders-api', roleArn: `arn:aws:iam::${ACCOUNT}:role/orders-api`, tags: {} },
  }));

  const ec2 = mockClient(EC2Client);
  ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake((input: { LaunchTemplateId?: string; LaunchTemplateName?: string }) => ({
    LaunchTemplateVersions: [
      {
        LaunchTemplateId: input.LaunchTemplateId ?? 'lt-0a1b2c3d4e5f60718',
        LaunchTemplateName: input.LaunchTemplateName ?? 'nodes',
        VersionNumber: 1,
        DefaultVersion: true,
        LaunchTemplateData: { ImageId: 'ami-0a1b2c3d4e5f60718', MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' } },
      },
    ],
  }));
  ec2.on(DescribeLaunchTemplatesCommand).callsFake((input: { LaunchTemplateIds?: string[]; LaunchTemplateNames?: string[] }) => ({
    LaunchTemplates: [{ LaunchTemplateId: input.LaunchTemplateIds?.[0] ?? 'lt-0a1b2c3d4e5f60718', LaunchTemplateName: input.LaunchTemplateNames?.[0] ?? 'nodes', DefaultVersionNumber: 1, LatestVersionNumber: 1, Tags: [] }],
  }));
  ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: 'ami-0a1b2c3d4e5f60718', ImdsSupport: 'v2.0' }] });
  ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: {} });
  ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: 'subnet-0a1b2c3d4e5f60718', VpcId: 'vpc-0a1b2c3d4e5f60718' }] });
  ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [{ Associations: [{ SubnetId: 'subnet-0a1b2c3d4e5f60718' }], Routes: [{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local' }] }] });

  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${OIDC}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${OIDC}:sub`]: 'system:serviceaccount:orders:orders-api', [`${OIDC}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  };
  const readOnly = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::orders-data-eu/*' }] };
  const iam = mockClient(IAMClient);
  iam.on(GetRoleCommand).callsFake((input: { RoleName?: string }) => ({
    Role: { RoleName: input.RoleName, RoleId: 'AROAEXAMPLE1234567890', Arn: `arn:aws:iam::${ACCOUNT}:role/${input.RoleName}`, Path: '/', CreateDate: new Date('2025-01-01T00:00:00Z'), AssumeRolePolicyDocument: encoded(trust), Tags: [] },
  }));
  iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyName: 'orders-read', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/orders-read` }], IsTruncated: false });
  iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [], IsTruncated: false });
  iam.on(GetRolePolicyCommand).callsFake((input: { RoleName?: string; PolicyName?: string }) => ({ RoleName: input.RoleName, PolicyName: input.PolicyName, PolicyDocument: encoded(readOnly) }));
  iam.on(GetPolicyCommand).callsFake((input: { PolicyArn?: string }) => ({ Policy: { Arn: input.PolicyArn, DefaultVersionId: 'v1', PolicyName: 'orders-read' } }));
  iam.on(GetPolicyVersionCommand).resolves({ PolicyVersion: { Document: encoded(readOnly), VersionId: 'v1', IsDefaultVersion: true } });
  iam.on(ListEntitiesForPolicyCommand).resolves({ PolicyRoles: [{ RoleName: 'orders-api', RoleId: 'AROAEXAMPLE1234567890' }], PolicyGroups: [], PolicyUsers: [], IsTruncated: false });

  const emr = mockClient(EMRContainersClient as never) as unknown as EmrStub;
  emr.on(DescribeVirtualClusterCommand).callsFake((input: { id?: string }) => ({
    virtualCluster: { id: input.id, name: 'analytics', state: 'RUNNING', containerProvider: { id: 'analytics-prod', type: 'EKS', info: { eksInfo: { namespace: 'spark' } } }, tags: {} },
  }));
  emr.on(DescribeJobRunCommand).callsFake((input: { id?: string; virtualClusterId?: string }) => ({
    jobRun: { id: input.id, virtualClusterId: input.virtualClusterId, executionRoleArn: EXECUTION_ROLE, releaseLabel: 'emr-7.2.0-latest', state: 'RUNNING', configurationOverrides: { applicationConfiguration: [] }, tags: {} },
  }));
  emr.on(DescribeManagedEndpointCommand).callsFake((input: { id?: string; virtualClusterId?: string }) => ({
    endpoint: { id: input.id, virtualClusterId: input.virtualClusterId, executionRoleArn: EXECUTION_ROLE, releaseLabel: 'emr-7.2.0-latest', type: 'JUPYTER_ENTERPRISE_GATEWAY', state: 'ACTIVE', tags: {} },
  }));
  emr.on(DescribeJobTemplateCommand).callsFake((input: { id?: string }) => ({
    jobTemplate: { id: input.id, name: 'nightly', jobTemplateData: { executionRoleArn: EXECUTION_ROLE, releaseLabel: 'emr-7.2.0-latest', jobDriver: {} }, tags: {} },
  }));
  emr.on(ListJobRunsCommand).resolves({ jobRuns: [{ id: 'jr-1', executionRoleArn: EXECUTION_ROLE }] });
  emr.on(ListVirtualClustersCommand).resolves({ virtualClusters: [] });

  // Remediation requests of opted-in rules (none by default) go out as EventBridge events.
  const events = mockClient(EventBridgeClient);
  events.on(PutEventsCommand).callsFake((input: { Entries?: unknown[] }) => ({ FailedEntryCount: 0, Entries: (input.Entries ?? []).map((_, index) => ({ EventId: `bench-${index}` })) }));
  return [securityHub, eks, ec2, iam, emr, events];
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
}

function eventsOf(eventsDir: string, eventSource: string): unknown[] {
  const events: unknown[] = [];
  for (const folder of readdirSync(eventsDir, { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    for (const file of readdirSync(join(eventsDir, folder.name)).sort()) {
      if (!file.endsWith('.json')) continue;
      const event = JSON.parse(readFileSync(join(eventsDir, folder.name, file), 'utf8')) as { 'detail-type'?: string; detail?: { eventSource?: string } };
      if (event['detail-type'] === 'AWS API Call via CloudTrail' && event.detail?.eventSource === eventSource) events.push(event);
    }
  }
  return events;
}

function contextOf(name: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `vigil-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:vigil-${name}`,
    memoryLimitInMB: '512',
    awsRequestId: 'benchmark',
    logGroupName: `/aws/lambda/vigil-${name}`,
    logStreamName: 'benchmark',
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/**
 * Events arrive one per second per function instance: the Security Hub sink's token buckets
 * (GetFindings: 3 per second) then never make an event wait. Rather than sleep, the clock the
 * sink reads (`Date.now`, taken when the sink is made on the first event) is moved on between
 * events; the time per event is measured with `performance.now`, which this does not touch.
 */
const EVENT_INTERVAL_MS = 1000;
let clockOffset = 0;

export async function measureWarm(repo: string, rounds: number): Promise<WarmFigures[]> {
  Object.assign(process.env, LAMBDA_ENV);
  const realNow = Date.now;
  Date.now = () => realNow() + clockOffset;
  const mocks = mockAws();
  const totalCalls = () => mocks.reduce((sum, mock) => sum + mock.calls().length, 0);
  const securityHubCalls = () => mocks[0]?.calls().length ?? 0;
  const figures: WarmFigures[] = [];
  try {
    for (const [name, eventSource] of Object.entries(EVALUATORS)) {
      const events = eventsOf(join(repo, 'events'), eventSource);
      if (events.length === 0) continue;
      const module = (await import(join(repo, 'functions', `${name}.ts`))) as { handler: (event: unknown, context: Context) => Promise<unknown> };
      const context = contextOf(name);
      let errors = 0;
      let firstError: string | undefined;
      const invoke = async (event: unknown): Promise<number> => {
        const copy = structuredClone(event);
        const started = performance.now();
        try {
          await module.handler(copy, context);
        } catch (error) {
          errors += 1;
          firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        }
        const took = performance.now() - started;
        clockOffset += EVENT_INTERVAL_MS;
        return took;
      };
      // Warm-up: first-call costs (lazy client creation, JIT) are the cold start's, not this figure's.
      for (let round = 0; round < 3; round += 1) for (const event of events) await invoke(event);
      errors = 0;
      firstError = undefined;
      for (const mock of mocks) mock.resetHistory();
      const times: number[] = [];
      for (let round = 0; round < rounds; round += 1) for (const event of events) times.push(await invoke(event));
      times.sort((a, b) => a - b);
      figures.push({
        name,
        events: events.length,
        invocations: times.length,
        p50Ms: percentile(times, 0.5),
        p99Ms: percentile(times, 0.99),
        callsPerEvent: totalCalls() / times.length,
        securityHubCallsPerEvent: securityHubCalls() / times.length,
        errors,
        ...(firstError ? { firstError } : {}),
      });
    }
  } finally {
    for (const mock of mocks) mock.restore();
    Date.now = realNow;
  }
  return figures;
}

/** AWS calls per event over one pass of the events, and the handler time per event. */
export interface CallFigures {
  invocations: number;
  callsPerEvent: number;
  securityHubCallsPerEvent: number;
  msPerEvent: number;
}

export interface BatchingFigures {
  name: string;
  /** The service's fixtures in several copies, each copy on its own resources, shuffled. */
  events: number;
  batchSize: number;
  /** Every event alone in its batch: what each event cost before the queues. */
  single: CallFigures;
  /** The same events in batches of `batchSize`, as the SQS event source delivers them under load. */
  batched: CallFigures;
  /** Messages reported in `batchItemFailures` (none expected: AWS is mocked and compliant). */
  retried: number;
  errors: number;
  firstError?: string;
}

export interface BatchingOptions {
  /** Events per function, at least (default 400: four full batches). */
  eventsPerFunction?: number;
  batchSize?: number;
}

/** The deployed batching window: a batch is delivered at most this long after the previous one. */
const BATCH_INTERVAL_MS = 5000;

/** Deterministic Fisher–Yates (xorshift32): the same mix on every run. */
function shuffled<T>(items: readonly T[], seed = 0x9e3779b9): T[] {
  const out = [...items];
  let state = seed >>> 0;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  for (let index = out.length - 1; index > 0; index -= 1) {
    const other = Math.floor(next() * (index + 1));
    [out[index], out[other]] = [out[other] as T, out[index] as T];
  }
  return out;
}

function sqsEvent(name: string, bodies: readonly unknown[], first: number): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `bench-${first + index}`,
      receiptHandle: `bench-${first + index}`,
      body: JSON.stringify(body),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1741594000000', SenderId: 'AIDAEXAMPLE', ApproximateFirstReceiveTimestamp: '1741594000005' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:vigil-bench-${name}`,
      awsRegion: REGION,
    })),
  };
}

/**
 * AWS calls per event when events arrive one per invocation and when they arrive in batches:
 * each evaluating handler gets the same mixed events (its service's fixtures, copied onto
 * distinct resources, shuffled) as SQS batches of 1, then of `batchSize`. The clock the Security
 * Hub sink's rate limiter reads moves on between invocations, as in `measureWarm`.
 */
export async function measureBatching(repo: string, options: BatchingOptions = {}): Promise<BatchingFigures[]> {
  const batchSize = options.batchSize ?? 100;
  const eventsPerFunction = options.eventsPerFunction ?? 400;
  Object.assign(process.env, LAMBDA_ENV);
  const realNow = Date.now;
  Date.now = () => realNow() + clockOffset;
  const mocks = mockAws();
  const totalCalls = () => mocks.reduce((sum, mock) => sum + mock.calls().length, 0);
  const securityHubCalls = () => mocks[0]?.calls().length ?? 0;
  const figures: BatchingFigures[] = [];
  try {
    for (const [name, eventSource] of Object.entries(EVALUATORS)) {
      const fixtures = eventsOf(join(repo, 'events'), eventSource);
      if (fixtures.length === 0) continue;
      const copies = Math.ceil(eventsPerFunction / fixtures.length);
      const events = shuffled(
        Array.from({ length: copies }, (_, copy) =>
          fixtures.map((fixture) => {
            const event = vary(fixture, copy) as { detail: Record<string, unknown> };
            return { ...event, detail: { ...event.detail, eventID: randomUUID() } };
          }),
        ).flat(),
      );
      const module = (await import(join(repo, 'functions', `${name}.ts`))) as { handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> };
      const context = contextOf(name);
      let retried = 0;
      let errors = 0;
      let firstError: string | undefined;
      const pass = async (size: number): Promise<CallFigures> => {
        for (const mock of mocks) mock.resetHistory();
        let invocations = 0;
        let ms = 0;
        for (let first = 0; first < events.length; first += size) {
          const batch = sqsEvent(name, events.slice(first, first + size), first);
          const started = performance.now();
          try {
            retried += (await module.handler(batch, context)).batchItemFailures.length;
          } catch (error) {
            errors += 1;
            firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          }
          ms += performance.now() - started;
          invocations += 1;
          clockOffset += size === 1 ? EVENT_INTERVAL_MS : BATCH_INTERVAL_MS;
        }
        return { invocations, callsPerEvent: totalCalls() / events.length, securityHubCallsPerEvent: securityHubCalls() / events.length, msPerEvent: ms / events.length };
      };
      // Warm-up (lazy clients, JIT), not counted.
      await pass(batchSize);
      retried = 0;
      errors = 0;
      firstError = undefined;
      const single = await pass(1);
      const batched = await pass(batchSize);
      figures.push({ name, events: events.length, batchSize, single, batched, retried, errors, ...(firstError ? { firstError } : {}) });
    }
  } finally {
    for (const mock of mocks) mock.restore();
    Date.now = realNow;
  }
  return figures;
}
