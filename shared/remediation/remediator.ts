/**
 * The remediating Lambda's logic: one request in, at most one repair out, every guard in one
 * place and in this order:
 *   1. the rule is opted in (the remediator's own configuration: opting out stops queued requests);
 *   2. the triggering change was not made by the remediator's own role (`sessionIssuer.arn`);
 *   3. the resource is in the remediator's account (and region, IAM being global);
 *   4. the resource is read again and judged by its rule: gone, or compliant now, means nothing
 *      to do (this is also what makes a second delivery of the same event a no-op);
 *   5. the resource is not exempt from the rule, by its tags as read now;
 *   6. the resource can take a change now (an EKS update in progress: wait, read again);
 *   7. dry run: the exact calls are recorded, nothing is changed.
 * Then the calls are made, with idempotency tokens derived from (eventId, ruleId). Every outcome
 * is logged; those worth keeping are noted on the finding (see `audit.ts`). The finding was
 * published before the request was sent: a failure here is recorded and never hides it.
 */
import type { RemediableRuleId, VigilConfig } from '../config.ts';
import { describeError, isAccessDenied, isNotFound } from '../aws/clients.ts';
import type { Log } from '../pipeline/evaluate.ts';
import type { AnyRule } from '../rules/types.ts';
import { isExempt } from '../state/kinds.ts';
import type { AwsClients, ReaderId, StateReader, Subject } from '../state/types.ts';
import { logOutcome, noteOnFinding, noteText, type RemediationOutcome, type SkipReason } from './audit.ts';
import { describeCall, idempotencyToken, isResourceInUse } from './calls.ts';
import { judgeLive } from './live.ts';
import type { RemediationRequest } from './request.ts';
import type { AnyRemediation } from './types.ts';

export interface RemediatorOptions {
  config: VigilConfig;
  aws: AwsClients;
  /** The remediator's own role, ARN with path (`VIGIL_REMEDIATOR_ROLE_ARN`). */
  remediatorRoleArn: string;
  /** The remediator's region: regional resources elsewhere are left to the remediator there. */
  region?: string;
  log: Log;
  rules: ReadonlyMap<string, AnyRule>;
  readers: ReadonlyMap<ReaderId, StateReader>;
  remediations: Readonly<Record<RemediableRuleId, AnyRemediation>>;
  /** Milliseconds left to wait for a busy resource before handing the request back for a retry. */
  remainingMs?: () => number;
  /** Pause between reads of a busy resource. */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The resource stayed busy (an EKS update in progress) for as long as this invocation could wait.
 * Thrown so that Lambda retries the request later; the retry reads the resource again.
 */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Failures worth a retry of the whole request: throttling, server faults, the network. */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const record = error as { name?: unknown; $fault?: unknown; $retryable?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = record.$metadata?.httpStatusCode;
  return (
    record.$fault === 'server' ||
    record.$retryable !== undefined ||
    (typeof status === 'number' && (status === 429 || status >= 500)) ||
    /Throttl|TooManyRequests|RequestLimitExceeded|ServiceUnavailable|TimeoutError|ECONNRESET/.test(String(record.name ?? ''))
  );
}

function accountOfRoleArn(arn: string): string | undefined {
  return arn.split(':')[4];
}

/**
 * Opted-in rules of the same group whose rule also fails on the live subject: the plan fixes them
 * in the same change, so concurrent requests for them cannot undo each other.
 */
function companionsFailing(remediation: AnyRemediation, subject: Subject, options: RemediatorOptions): Set<RemediableRuleId> {
  const companions = new Set<RemediableRuleId>();
  if (!remediation.group) return companions;
  for (const ruleId of options.config.remediation.enabledRules) {
    const other = options.remediations[ruleId];
    if (ruleId === remediation.ruleId || other.group !== remediation.group) continue;
    const rule = options.rules.get(ruleId);
    if (!rule) continue;
    const tags = (subject.state as { tags?: Readonly<Record<string, string>> }).tags;
    if (isExempt(tags, options.config.exemptionTagKey, ruleId)) continue;
    try {
      if (rule.evaluate(subject, { config: options.config }).status === 'FAILED') companions.add(ruleId);
    } catch {
      // A companion that cannot judge the subject is not fixed along.
    }
  }
  return companions;
}

/** Handles one request. Returns its outcome; throws only to have the request retried. */
export async function remediate(request: RemediationRequest, options: RemediatorOptions): Promise<RemediationOutcome> {
  const { config, aws, log } = options;
  const dryRun = config.remediation.dryRun;
  const base = {
    ruleId: request.ruleId,
    findingId: request.findingId,
    resourceId: request.resource.id,
    eventId: request.trigger.eventId,
    dryRun,
    calls: [],
  } satisfies Partial<RemediationOutcome>;

  const finish = async (outcome: RemediationOutcome): Promise<RemediationOutcome> => {
    const text = noteText(outcome, describeCall);
    const final = text === undefined ? outcome : { ...outcome, noted: await noteOnFinding(request, outcome, text, aws, log) };
    logOutcome(final, log, describeCall);
    return final;
  };
  const skipped = (skipReason: SkipReason, summary: string) => finish({ ...base, status: 'SKIPPED', skipReason, summary });
  const notRemediated = (summary: string) => finish({ ...base, status: 'NOT_REMEDIATED', summary });

  if (!config.remediation.enabledRules.includes(request.ruleId)) {
    return skipped('not-opted-in', `${request.ruleId} is not in remediation.enabledRules`);
  }
  if (request.trigger.sessionIssuerArn === options.remediatorRoleArn) {
    return skipped('own-change', `the change was made by the Vigil remediator role (${options.remediatorRoleArn}); its own changes are never remediated`);
  }
  if (request.resource.accountId !== accountOfRoleArn(options.remediatorRoleArn)) {
    return skipped('other-account', `the resource is in account ${request.resource.accountId}; the remediator acts only in its own account`);
  }
  if (options.region && request.resource.kind !== 'iam-role' && request.resource.region !== options.region) {
    return skipped('other-region', `the resource is in ${request.resource.region}; this remediator acts in ${options.region}`);
  }
  const rule = options.rules.get(request.ruleId);
  const remediation = options.remediations[request.ruleId];
  if (!rule) return notRemediated(`rule ${request.ruleId} is not in this remediator's catalogue`);
  if (request.resource.kind !== remediation.kind) {
    return notRemediated(`${request.ruleId} remediates ${remediation.kind}, not ${request.resource.kind}`);
  }
  const requested = { kind: request.resource.kind, ref: request.resource, state: request.state } as Subject;
  const token = idempotencyToken(request.trigger.eventId, request.ruleId);
  const remainingMs = options.remainingMs ?? (() => 0);
  const pollMs = options.pollMs ?? 30_000;
  const sleep = options.sleep ?? wait;

  for (;;) {
    const verdict = await judgeLive(requested, { rule, remediation, config, aws, readers: options.readers });
    if (verdict.status === 'GONE') return skipped('gone', `${request.resource.name} no longer exists`);
    if (verdict.status === 'UNKNOWN') return notRemediated(`the resource could not be read again before acting (${verdict.reason})`);
    const { subject, evaluation, facts, tags } = verdict;
    if (evaluation.status !== 'FAILED') {
      return skipped('compliant', `${request.ruleId} ${evaluation.status === 'PASSED' ? 'passes' : 'does not apply'} now: ${evaluation.summary}`);
    }
    if (tags === undefined) return notRemediated(`the tags of ${request.resource.name} could not be read, so its exemption cannot be ruled out`);
    if (isExempt(tags, config.exemptionTagKey, request.ruleId)) {
      return skipped('exempt', `${request.resource.name} is exempt from ${request.ruleId} (tag ${config.exemptionTagKey})`);
    }

    const busy = remediation.busy?.(subject, facts);
    if (busy === undefined) {
      const plan = remediation.plan(subject, config, { token, facts, alsoFixes: companionsFailing(remediation, subject, options) });
      if (plan.status === 'NOT_REMEDIABLE') return notRemediated(plan.reason);
      if (dryRun) {
        return finish({ ...base, status: 'DRY_RUN', summary: `Would do: ${plan.summary}`, calls: plan.calls, before: plan.before, after: plan.after });
      }
      try {
        const applied = await remediation.apply(plan, subject, aws);
        return finish({ ...base, status: 'REMEDIATED', summary: applied.summary ?? plan.summary, calls: applied.calls, before: plan.before, after: applied.after });
      } catch (error) {
        if (isNotFound(error)) return skipped('gone', `${request.resource.name} disappeared while being remediated: ${describeError(error)}`);
        if (!isResourceInUse(error)) {
          const outcome = await finish({
            ...base,
            status: 'FAILED',
            summary: plan.summary,
            calls: plan.calls,
            before: plan.before,
            after: plan.after,
            error: `${isAccessDenied(error) ? 'the remediator role lacks a permission: ' : ''}${describeError(error)}`,
          });
          // Recorded either way; only a fault a later attempt can clear is worth a retry.
          if (isTransient(error)) throw error;
          return outcome;
        }
        log.info('resource busy; waiting before reading it again', { ruleId: request.ruleId, findingId: request.findingId, busy: describeError(error) });
      }
    } else {
      log.info('resource busy; waiting before reading it again', { ruleId: request.ruleId, findingId: request.findingId, busy });
    }
    if (remainingMs() < pollMs) {
      throw new RetryLaterError(`${request.resource.name} is busy (an update in progress); ${request.ruleId} remediation is retried later`);
    }
    await sleep(pollMs);
  }
}
