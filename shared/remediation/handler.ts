/**
 * The remediating Lambda, subscribed to "Vigil Remediation Request" events on the default bus
 * (`REMEDIATION_EVENT_PATTERN`). Its execution role is the remediator role: the one role allowed to
 * change resources, with only the opted-in rules' permissions (`remediatorPolicy`), and whose ARN
 * (with path) is `VIGIL_REMEDIATOR_ROLE_ARN`, so that neither side acts on its own changes.
 *
 * Configuration problems fail at cold start. A malformed request is logged and dropped (a retry
 * cannot mend it). A request whose resource stays busy, or whose repair failed transiently, throws:
 * Lambda retries it (asynchronous invocation), then sends it to the on-failure destination; every
 * retry reads the resource again, so a retry never repairs twice.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createClientCache } from '../aws/clients.ts';
import { ConfigError, configFromEnvironment, type RemediableRuleId } from '../config.ts';
import type { Log } from '../pipeline/evaluate.ts';
import { RULES } from '../rules/index.ts';
import type { AnyRule } from '../rules/types.ts';
import { ALL_READERS } from '../sources/readers.ts';
import type { AwsClients, StateReader } from '../state/types.ts';
import type { RemediationOutcome } from './audit.ts';
import { readActionsOf, REMEDIATIONS } from './catalog.ts';
import { ROLE_ARN } from './dispatch.ts';
import { remediate } from './remediator.ts';
import { remediationEventSchema } from './request.ts';
import type { AnyRemediation } from './types.ts';

/** Time kept back from the Lambda timeout when waiting for a busy resource. */
const SAFETY_MS = 30_000;

export interface RemediationHandlerOptions {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  clients?: AwsClients;
  rules?: readonly AnyRule[];
  readers?: readonly StateReader[];
  remediations?: Readonly<Record<RemediableRuleId, AnyRemediation>>;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export type HandlerResult = RemediationOutcome | { status: 'REJECTED'; reason: string };

function asLog(logger: Logger): Log {
  return {
    debug: (message, extra) => (extra ? logger.debug(message, extra) : logger.debug(message)),
    info: (message, extra) => (extra ? logger.info(message, extra) : logger.info(message)),
    warn: (message, extra) => (extra ? logger.warn(message, extra) : logger.warn(message)),
    error: (message, extra) => (extra ? logger.error(message, extra) : logger.error(message)),
  };
}

export function createRemediationHandler(options: RemediationHandlerOptions = {}) {
  const env = options.env ?? process.env;
  const config = configFromEnvironment(env);
  const remediatorRoleArn = env.VIGIL_REMEDIATOR_ROLE_ARN;
  if (!remediatorRoleArn || !ROLE_ARN.test(remediatorRoleArn)) {
    throw new ConfigError('VIGIL_REMEDIATOR_ROLE_ARN must be the ARN (with its path) of the role this function runs as');
  }
  const rules = new Map((options.rules ?? RULES).map((rule) => [rule.id, rule]));
  const readerList = options.readers ?? ALL_READERS;
  const remediations = options.remediations ?? REMEDIATIONS;
  for (const ruleId of config.remediation.enabledRules) {
    if (!rules.has(ruleId)) throw new ConfigError(`remediation.enabledRules names ${ruleId}, which is not in the rule catalogue`);
    // Throws when a reader the re-read needs is not registered.
    readActionsOf(ruleId, readerList, [...rules.values()]);
  }
  const readers = new Map(readerList.map((reader) => [reader.id, reader]));
  const logger = options.logger ?? new Logger({ serviceName: 'vigil-remediator' });
  const log = asLog(logger);
  const aws = options.clients ?? createClientCache();

  const handle = async (event: unknown, context: Context): Promise<HandlerResult> => {
    const parsed = remediationEventSchema.safeParse(event);
    if (!parsed.success) {
      const reason = parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ');
      log.error('malformed remediation request dropped', { reason });
      return { status: 'REJECTED', reason };
    }
    return remediate(parsed.data.detail, {
      config,
      aws,
      remediatorRoleArn,
      ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
      log,
      rules,
      readers,
      remediations,
      remainingMs: () => (typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() - SAFETY_MS : 0),
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
  };

  return middy<unknown, HandlerResult>().use(injectLambdaContext(logger, { resetKeys: true })).handler(handle);
}
