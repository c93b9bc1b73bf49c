/**
 * The evaluating Lambda, one per service: EventBridge delivers one CloudTrail call per
 * invocation; the pipeline judges it and the Security Hub sink publishes the verdicts.
 *
 * Everything that can be wrong with the deployment (configuration, a reader the rules need but
 * the bundle lacks, no region) fails at cold start, never half-way through an event. A thrown
 * error fails the invocation: Lambda retries the event, then hands it to the on-failure
 * destination, so no verdict is lost. Events Vigil cannot or need not judge succeed as skips.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { createClientCache, describeError } from '../aws/clients.ts';
import { configFromEnvironment } from '../config.ts';
import type { SkipReason } from '../events/cloudtrail.ts';
import { peekEventName } from '../events/cloudtrail.ts';
import { SecurityHubSink, type SecurityHubSinkOptions } from '../findings/securityhub.ts';
import type { Service } from '../model.ts';
import { type BatchResult, type Log, Pipeline, processBatch } from '../pipeline/evaluate.ts';
import { createRegistry } from '../registry.ts';
import { RULES } from '../rules/index.ts';
import type { AnyRule } from '../rules/types.ts';
import { EXPANDERS, EXTRACTORS } from '../sources/extractors.ts';
import type { AwsClients, EventExpander, EventExtractor, StateReader } from '../state/types.ts';
import { RetryEventError, type ViolationHook } from './hooks.ts';

export type CloudTrailEvent = EventBridgeEvent<'AWS API Call via CloudTrail', unknown>;

/** What one invocation did; also the structured log line written for it. */
export interface EvaluationSummary {
  eventId?: string;
  eventName?: string;
  skipped?: SkipReason;
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

function summarize(event: unknown, result: BatchResult, securityHubCalls: number): EvaluationSummary {
  const skipped = (Object.keys(result.skipped) as SkipReason[]).find((reason) => result.skipped[reason] > 0);
  return {
    ...identify(event),
    ...(skipped ? { skipped } : {}),
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

export function createEvaluatorHandler(options: EvaluatorHandlerOptions) {
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
  // Made on the first event, when the function's ARN tells its account.
  let sink: SecurityHubSink | undefined;

  const evaluate = async (event: CloudTrailEvent, context: Context): Promise<EvaluationSummary> => {
    const account = accountOf(context);
    sink ??= new SecurityHubSink({ ...options.sink, clients, log, ...(account ? { accountId: account } : {}) });
    const callsBefore = sink.totalCalls;
    let result: BatchResult;
    try {
      result = await processBatch(pipeline, sink, [event]);
    } catch (error) {
      logger.error('event failed; Lambda will retry it', { ...identify(event), error: describeError(error) });
      throw error;
    }
    const summary = summarize(event, result, sink.totalCalls - callsBefore);
    const violations = result.outcomes.flatMap((outcome) => outcome.violations);
    if (violations.length > 0 && options.onViolations) {
      try {
        await options.onViolations(violations, { aws: clients, config, log, eventId: summary.eventId ?? '' });
      } catch (error) {
        const retry = error instanceof RetryEventError;
        logger.error('violation hook failed; the findings stay published', { ...summary, retry, error: describeError(error) });
        if (retry) throw error;
      }
    }
    logger.info(summary.skipped ? 'event skipped' : 'event evaluated', { ...summary });
    return summary;
  };

  return middy<CloudTrailEvent, EvaluationSummary>().use(injectLambdaContext(logger, { resetKeys: true })).handler(evaluate);
}
