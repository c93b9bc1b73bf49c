/**
 * The evaluating Lambda, one per service. Its EventBridge rule puts the CloudTrail calls it wants
 * on the function's own SQS queue, and Lambda hands them over in batches (`SQSEvent`, each body an
 * EventBridge event): the whole batch is evaluated with one read memo and its findings published
 * together, so a batch of 100 events costs a handful of Security Hub calls instead of 2 or 3 per
 * event. A bare EventBridge event (`serverless invoke local` with a file from events/, or a direct
 * invocation) is evaluated on its own, as before.
 *
 * Everything that can be wrong with the deployment (configuration, a reader the rules need but
 * the bundle lacks, no region) fails at cold start, never half-way through a batch. In a batch, a
 * message whose event could not be evaluated (a transient AWS error) or whose findings Security
 * Hub did not all take is reported in `batchItemFailures`: only it comes back, and after five
 * receives the queue's redrive policy moves it to the dead-letter queue. A Security Hub failure
 * that does not say which findings it concerns fails the whole batch (findings are idempotent:
 * their Ids and `UpdatedAt` are deterministic). Bodies Vigil cannot or need not judge (not JSON,
 * not an event, a call no rule wants) succeed as skips and are deleted.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, EventBridgeEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createClientCache, describeError } from '../aws/clients.ts';
import { configFromEnvironment } from '../config.ts';
import type { SkipReason } from '../events/cloudtrail.ts';
import { peekEventName } from '../events/cloudtrail.ts';
import { SecurityHubSink, type SecurityHubSinkOptions } from '../findings/securityhub.ts';
import type { Service } from '../model.ts';
import { type BatchResult, type Log, Pipeline, processBatch, type Violation } from '../pipeline/evaluate.ts';
import { createRegistry } from '../registry.ts';
import { RULES } from '../rules/index.ts';
import type { AnyRule } from '../rules/types.ts';
import { EXPANDERS, EXTRACTORS } from '../sources/extractors.ts';
import type { AwsClients, EventExpander, EventExtractor, StateReader } from '../state/types.ts';
import { RetryEventError, type ViolationHook } from './hooks.ts';

export type CloudTrailEvent = EventBridgeEvent<'AWS API Call via CloudTrail', unknown>;

/** What the sink did and what the rules found; shared by the event and batch log lines. */
interface FindingCounts {
  /** Finding updates handed to the sink (after de-duplication). */
  findings: number;
  imported: number;
  workflowUpdated: number;
  archived: number;
  stale: number;
  notEvaluated: number;
  violations: number;
  /** Security Hub calls this invocation made (every attempt counts). */
  securityHubCalls: number;
}

/** What one invocation with a bare EventBridge event did; also the structured log line written for it. */
export interface EvaluationSummary extends FindingCounts {
  eventId?: string;
  eventName?: string;
  skipped?: SkipReason;
}

/** What one SQS batch did; also the structured log line written for it. */
export interface BatchSummary extends FindingCounts {
  messages: number;
  /** Messages skipped (deleted, never retried), by reason. */
  skipped: Record<SkipReason, number>;
  evaluated: number;
  /** Messages reported in `batchItemFailures`: their event could not be evaluated, published or handed to the hook. */
  retried: number;
}

/**
 * The Lambda handler: an SQS batch gets the partial batch response, a bare EventBridge event the
 * summary of its evaluation.
 */
export interface EvaluatorHandler {
  (event: SQSEvent, context: Context): Promise<SQSBatchResponse>;
  (event: CloudTrailEvent, context: Context): Promise<EvaluationSummary>;
}

export interface EvaluatorHandlerOptions {
  service: Service;
  /** The live readers bundled with this function; every reader its rules may ask for. */
  readers: readonly StateReader[];
  /** Runs after publishing, with the event's violations (see `hooks.ts`). */
  onViolations?: ViolationHook;
  /** The rules, extractors and expanders; the whole catalogue unless given (tests give their own). */
  catalogue?: { rules: readonly AnyRule[]; extractors: readonly EventExtractor[]; expanders?: readonly EventExpander[] };
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  clients?: AwsClients;
  /** Retry and rate settings for the sink (tests inject `sleep`). */
  sink?: Omit<SecurityHubSinkOptions, 'clients' | 'log' | 'accountId'>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Event id and name for the log line, read without validation (malformed events have them too). */
function identify(event: unknown): { eventId?: string; eventName?: string } {
  const detail = isObject(event) && isObject(event.detail) ? event.detail : event;
  const eventId = isObject(detail) && typeof detail.eventID === 'string' ? detail.eventID : undefined;
  const { eventName } = peekEventName(event);
  return { ...(eventId ? { eventId } : {}), ...(eventName ? { eventName } : {}) };
}

/** The function's own account, from its ARN: the account its Security Hub client reaches. */
function accountOf(context: Context | undefined): string | undefined {
  const account = context?.invokedFunctionArn?.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/** Powertools' Logger behind the pipeline's `Log` (its rest parameters do not fit `Log` as they are). */
function asLog(logger: Logger): Log {
  return {
    debug: (message, extra) => (extra ? logger.debug(message, extra) : logger.debug(message)),
    info: (message, extra) => (extra ? logger.info(message, extra) : logger.info(message)),
    warn: (message, extra) => (extra ? logger.warn(message, extra) : logger.warn(message)),
    error: (message, extra) => (extra ? logger.error(message, extra) : logger.error(message)),
  };
}

function counts(result: BatchResult, securityHubCalls: number): FindingCounts {
  return {
    findings: result.published.length,
    imported: result.sink.imported,
    workflowUpdated: result.sink.workflowUpdated,
    archived: result.sink.archived,
    stale: result.sink.stale,
    notEvaluated: result.outcomes.reduce((count, outcome) => count + outcome.notEvaluated.length, 0),
    violations: result.outcomes.reduce((count, outcome) => count + outcome.violations.length, 0),
    securityHubCalls,
  };
}

function summarize(event: unknown, result: BatchResult, securityHubCalls: number): EvaluationSummary {
  const skipped = (Object.keys(result.skipped) as SkipReason[]).find((reason) => result.skipped[reason] > 0);
  return { ...identify(event), ...(skipped ? { skipped } : {}), ...counts(result, securityHubCalls) };
}

/** Lambda's SQS event source: every record a queue message (Lambda never sends an empty batch). */
function isSqsEvent(event: unknown): event is SQSEvent {
  if (!isObject(event) || !Array.isArray(event.Records) || event.Records.length === 0) return false;
  return event.Records.every(
    (record: unknown) => isObject(record) && record.eventSource === 'aws:sqs' && typeof record.messageId === 'string' && typeof record.body === 'string',
  );
}

/** The message bodies that are JSON (the pipeline judges whether they are events), and the records they came from. */
function decodeBodies(records: readonly SQSRecord[], logger: Logger): { inputs: unknown[]; sources: SQSRecord[]; undecodable: number } {
  const inputs: unknown[] = [];
  const sources: SQSRecord[] = [];
  for (const record of records) {
    try {
      inputs.push(JSON.parse(record.body));
      sources.push(record);
    } catch (error) {
      // Retrying cannot make it JSON: skipped, and deleted with the batch.
      logger.warn('event skipped', { reason: 'malformed', detail: `message body is not JSON (${describeError(error)})`, messageId: record.messageId });
    }
  }
  return { inputs, sources, undecodable: records.length - inputs.length };
}

export function createEvaluatorHandler(options: EvaluatorHandlerOptions): EvaluatorHandler {
  const { service } = options;
  const env = options.env ?? process.env;
  const config = configFromEnvironment(env);
  const catalogue = options.catalogue ?? { rules: RULES, extractors: EXTRACTORS, expanders: EXPANDERS };
  const registry = createRegistry({
    rules: catalogue.rules,
    extractors: catalogue.extractors,
    ...(catalogue.expanders ? { expanders: catalogue.expanders } : {}),
    readers: options.readers,
    service,
    disabledRules: config.disabledRules,
  });
  const bundled = new Set(options.readers.map((reader) => reader.id));
  const missing = registry.requiredReaders().filter((id) => !bundled.has(id));
  if (missing.length > 0) {
    throw new Error(`vigil-${service}: the rules need readers this function does not bundle: ${missing.join(', ')}`);
  }
  const region = env.AWS_REGION;
  if (!region) throw new Error(`vigil-${service}: AWS_REGION is not set; findings need the region of their Security Hub`);
  const logger = options.logger ?? new Logger({ serviceName: `vigil-${service}` });
  const log = asLog(logger);
  const clients = options.clients ?? createClientCache();
  const pipeline = new Pipeline({ registry, config, aws: clients, log, findingRegion: region });
  // Made on the first invocation, when the function's ARN tells its account.
  let sink: SecurityHubSink | undefined;
  const sinkFor = (context: Context): SecurityHubSink => {
    const account = accountOf(context);
    sink ??= new SecurityHubSink({ ...options.sink, clients, log, ...(account ? { accountId: account } : {}) });
    return sink;
  };

  /**
   * Hands published violations to the hook. Returns the hook's RetryEventError, if it asked for
   * its events to be retried; any other failure is logged and the findings stay published.
   */
  const handOver = async (violations: readonly Violation[], fields: Record<string, unknown>): Promise<RetryEventError | undefined> => {
    if (violations.length === 0 || !options.onViolations) return undefined;
    const eventId = [...new Set(violations.map((violation) => violation.change.eventId))].join(',');
    try {
      await options.onViolations(violations, { aws: clients, config, log, eventId });
      return undefined;
    } catch (error) {
      const retry = error instanceof RetryEventError;
      logger.error('violation hook failed; the findings stay published', { ...fields, retry, error: describeError(error) });
      return retry ? error : undefined;
    }
  };

  const evaluateEvent = async (event: CloudTrailEvent, context: Context): Promise<EvaluationSummary> => {
    const sink = sinkFor(context);
    const callsBefore = sink.totalCalls;
    let result: BatchResult;
    try {
      result = await processBatch(pipeline, sink, [event]);
    } catch (error) {
      logger.error('event failed; Lambda will retry it', { ...identify(event), error: describeError(error) });
      throw error;
    }
    const summary = summarize(event, result, sink.totalCalls - callsBefore);
    const retry = await handOver(result.outcomes.flatMap((outcome) => outcome.violations), { ...summary });
    if (retry) throw retry;
    logger.info(summary.skipped ? 'event skipped' : 'event evaluated', { ...summary });
    return summary;
  };

  const evaluateBatch = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const sink = sinkFor(context);
    const callsBefore = sink.totalCalls;
    const { inputs, sources, undecodable } = decodeBodies(event.Records, logger);
    let result: BatchResult;
    try {
      result = await processBatch(pipeline, sink, inputs, { continueOnError: true, reportUnpublished: true });
    } catch (error) {
      // Security Hub failed in a way that names no finding: nothing says what it holds.
      logger.error('batch failed; Lambda will retry every message', { messages: event.Records.length, error: describeError(error) });
      throw error;
    }
    const failed = new Set<number>([...result.errors.map((error) => error.index), ...result.unpublished]);
    // Only published verdicts go to the hook (publish first, repair after): an event that failed
    // waits for its retry. A RetryEventError brings back the messages whose violations it was given.
    const published = result.outcomes.flatMap((outcome, position) => {
      const index = result.outcomeInputs[position] as number;
      return failed.has(index) ? [] : [{ outcome, index }];
    });
    const retry = await handOver(published.flatMap(({ outcome }) => outcome.violations), { messages: event.Records.length });
    if (retry) for (const { outcome, index } of published) if (outcome.violations.length > 0) failed.add(index);
    const summary: BatchSummary = {
      messages: event.Records.length,
      skipped: { ...result.skipped, malformed: result.skipped.malformed + undecodable },
      evaluated: result.evaluated,
      retried: failed.size,
      ...counts(result, sink.totalCalls - callsBefore),
    };
    logger.info('batch evaluated', { ...summary });
    return { batchItemFailures: [...failed].sort((a, b) => a - b).map((index) => ({ itemIdentifier: (sources[index] as SQSRecord).messageId })) };
  };

  const handler = middy<unknown, SQSBatchResponse | EvaluationSummary>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler((event, context) => (isSqsEvent(event) ? evaluateBatch(event, context) : evaluateEvent(event as CloudTrailEvent, context)));
  // One function, two shapes in and out: the overloads say which goes with which.
  return handler as unknown as EvaluatorHandler;
}
