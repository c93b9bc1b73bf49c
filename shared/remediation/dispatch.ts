/**
 * The evaluating Lambda's side of remediation: after its findings are published, one request per
 * FAILED, non-exempt violation of an opted-in rule goes to the default event bus (PutEvents, at
 * most 10 entries and 256 KB per call). Entries that fail are retried, then logged as errors; the
 * dispatcher never throws, so a lost request never fails, delays or hides the finding.
 *
 * A change made by Vigil's own remediator role is never sent back to it: the role is recognised by
 * `sessionContext.sessionIssuer.arn` (the role ARN with its path), never by a session name, which
 * any caller chooses. Without the role's ARN nothing is sent, since that guard could not work.
 *
 * Wiring (`functions/<service>.ts`): `onViolations: createRemediationDispatcher()`.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { describeError } from '../aws/clients.ts';
import type { ViolationContext, ViolationHook } from '../lambda/hooks.ts';
import type { Violation } from '../pipeline/evaluate.ts';
import { isExempt } from '../state/kinds.ts';
import type { Tags } from '../state/types.ts';
import { REMEDIATION_DETAIL_TYPE, REMEDIATION_SOURCE, type RemediationRequest, requestOf } from './request.ts';
import type { Permission } from './types.ts';

export const PUT_EVENTS_LIMITS = {
  entriesPerCall: 10,
  /** Total entry size per call is 256 KB; counted the way EventBridge does, with room to spare. */
  bytesPerCall: 250_000,
} as const;

/**
 * What an evaluating function needs to send requests, granted only when some rule is opted in:
 * PutEvents on its region's default bus, for Vigil's request source only.
 */
export const DISPATCH_PERMISSION: Permission = {
  actions: ['events:PutEvents'],
  resources: ['arn:${partition}:events:${region}:${account}:event-bus/default'],
  condition: { StringEquals: { 'events:source': REMEDIATION_SOURCE } },
};

/** An IAM role ARN, with or without a path: what `sessionIssuer.arn` holds for an assumed role. */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;

export interface DispatcherOptions {
  /** ARN (with path) of the remediator's role; defaults to `VIGIL_REMEDIATOR_ROLE_ARN`. */
  remediatorRoleArn?: string;
  /** Region whose default bus receives the requests; defaults to `AWS_REGION`. */
  region?: string;
  eventBusName?: string;
  /** PutEvents attempts for an entry that failed (the SDK retries each call on its own as well). */
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
  env?: NodeJS.ProcessEnv;
}

export type SkipReason = 'not-opted-in' | 'own-change' | 'exempt' | 'duplicate';

export interface DispatchReport {
  sent: number;
  failed: number;
  skipped: Partial<Record<SkipReason, number>>;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Size of a PutEvents entry as EventBridge counts it (Source, DetailType, Detail, Resources, Time). */
export function entrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time ? 14 : 0;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) if (text) size += Buffer.byteLength(text);
  return size;
}

/** Calls of at most 10 entries and 250 KB each, in order. */
export function batchEntries<T extends { entry: PutEventsRequestEntry }>(items: readonly T[]): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = entrySize(item.entry);
    if (batch.length > 0 && (batch.length === PUT_EVENTS_LIMITS.entriesPerCall || bytes + size > PUT_EVENTS_LIMITS.bytesPerCall)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

interface Pending {
  request: RemediationRequest;
  entry: PutEventsRequestEntry;
  error?: string;
}

function logFields(request: RemediationRequest): Record<string, unknown> {
  return { ruleId: request.ruleId, findingId: request.findingId, resourceId: request.resource.id, eventId: request.trigger.eventId };
}

/** Sends the requests for `violations`; never throws. */
export async function dispatchRemediationRequests(
  violations: readonly Violation[],
  context: ViolationContext,
  options: DispatcherOptions = {},
): Promise<DispatchReport> {
  const { config, log, aws } = context;
  const env = options.env ?? process.env;
  const report: DispatchReport = { sent: 0, failed: 0, skipped: {} };
  const skip = (reason: SkipReason) => {
    report.skipped[reason] = (report.skipped[reason] ?? 0) + 1;
  };
  const enabled = new Set<string>(config.remediation.enabledRules);
  const opted = violations.filter((violation) => {
    if (enabled.has(violation.rule.id)) return true;
    skip('not-opted-in');
    return false;
  });
  if (opted.length === 0) return report;

  const roleArn = options.remediatorRoleArn ?? env.VIGIL_REMEDIATOR_ROLE_ARN;
  const region = options.region ?? env.AWS_REGION;
  if (!roleArn || !ROLE_ARN.test(roleArn) || !region) {
    report.failed = opted.length;
    log.error('remediation requests not sent: VIGIL_REMEDIATOR_ROLE_ARN (an IAM role ARN with its path) and AWS_REGION must be set', {
      remediatorRoleArn: roleArn ?? null,
      region: region ?? null,
      ruleIds: [...new Set(opted.map((violation) => violation.rule.id))],
    });
    return report;
  }

  const pending: Pending[] = [];
  const seen = new Set<string>();
  for (const violation of opted) {
    if (violation.change.sessionIssuerArn === roleArn) {
      // Vigil's own repair, judged again: the verdict is published, and the loop stops here.
      skip('own-change');
      log.info('change made by the Vigil remediator; no remediation requested', { ruleId: violation.rule.id, findingId: violation.findingId, eventId: violation.change.eventId });
      continue;
    }
    const tags = (violation.subject.state as { tags?: Tags }).tags;
    if (isExempt(tags, config.exemptionTagKey, violation.rule.id)) {
      skip('exempt');
      continue;
    }
    if (seen.has(violation.findingId)) {
      skip('duplicate');
      continue;
    }
    seen.add(violation.findingId);
    const request = requestOf(violation);
    pending.push({
      request,
      entry: {
        Source: REMEDIATION_SOURCE,
        DetailType: REMEDIATION_DETAIL_TYPE,
        Detail: JSON.stringify(request),
        EventBusName: options.eventBusName ?? 'default',
      },
    });
  }

  const client = aws.client(EventBridgeClient, region);
  const attempts = Math.max(1, options.attempts ?? 3);
  const sleep = options.sleep ?? wait;
  let queue = pending;
  for (let attempt = 1; attempt <= attempts && queue.length > 0; attempt += 1) {
    if (attempt > 1) await sleep(200 * 2 ** (attempt - 2));
    const retry: Pending[] = [];
    for (const batch of batchEntries(queue)) {
      try {
        const output = await client.send(new PutEventsCommand({ Entries: batch.map((item) => item.entry) }));
        const results = output.Entries ?? [];
        batch.forEach((item, index) => {
          const result = results[index];
          if (result?.EventId && !result.ErrorCode) {
            report.sent += 1;
            log.info('remediation requested', { ...logFields(item.request), requestEventId: result.EventId });
          } else {
            retry.push({ ...item, error: result ? `${result.ErrorCode ?? 'NoEventId'}: ${result.ErrorMessage ?? ''}` : 'no result for this entry' });
          }
        });
      } catch (error) {
        for (const item of batch) retry.push({ ...item, error: describeError(error) });
      }
    }
    queue = retry;
  }
  for (const item of queue) {
    report.failed += 1;
    log.error('remediation request could not be sent; the finding stays published and FAILED', {
      ...logFields(item.request),
      error: item.error ?? 'unknown',
      attempts,
    });
  }
  return report;
}

/** The `onViolations` hook of an evaluating Lambda. */
export function createRemediationDispatcher(options: DispatcherOptions = {}): ViolationHook {
  return async (violations, context) => {
    await dispatchRemediationRequests(violations, context, options);
  };
}
