/**
 * The audit trail of every remediation, done, dry-run, failed or refused: a note on its finding
 * (BatchUpdateFindings, `UpdatedBy: vigil-remediator`) and one structured log line with the
 * values before and after. Security Hub keeps one note per finding, so a note is written only for
 * an outcome worth keeping: guards that find nothing to do (already compliant, a duplicate
 * delivery) log, and leave the last note in place.
 */
import { BatchUpdateFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { describeError } from '../aws/clients.ts';
import type { Log } from '../pipeline/evaluate.ts';
import type { AwsClients } from '../state/types.ts';
import type { RemediationRequest } from './request.ts';
import type { RemediationCall, Values } from './types.ts';

export const NOTE_AUTHOR = 'vigil-remediator';
/** Security Hub's limit on `Note.Text`. */
export const NOTE_LIMIT = 512;
/** The message of the one log line per remediation (the CloudWatch Logs Insights filter). */
export const AUDIT_MESSAGE = 'vigil remediation';

export type OutcomeStatus =
  /** The calls were made. */
  | 'REMEDIATED'
  /** Dry run: the calls were recorded, not made. */
  | 'DRY_RUN'
  /** The calls were made and failed. */
  | 'FAILED'
  /** The violation is real, but this remediation must not touch it, or could not verify it may. */
  | 'NOT_REMEDIATED'
  /** A guard found nothing to do (not opted in, own change, exempt, compliant, gone, elsewhere). */
  | 'SKIPPED';

export type SkipReason = 'not-opted-in' | 'own-change' | 'exempt' | 'compliant' | 'gone' | 'other-account' | 'other-region';

export interface RemediationOutcome {
  status: OutcomeStatus;
  ruleId: string;
  findingId: string;
  resourceId: string;
  eventId: string;
  dryRun: boolean;
  /** For SKIPPED. */
  skipReason?: SkipReason;
  /** What was done, would be done, or why not. */
  summary: string;
  calls: readonly RemediationCall[];
  before?: Values;
  after?: Values;
  error?: string;
  /** Whether the note reached the finding (`undefined`: no note for this outcome). */
  noted?: boolean;
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** The note's text, or `undefined` for outcomes that leave the finding's note as it is. */
export function noteText(outcome: RemediationOutcome, describe: (call: RemediationCall) => string): string | undefined {
  const head = `Vigil ${outcome.ruleId} (event ${outcome.eventId}):`;
  switch (outcome.status) {
    case 'REMEDIATED':
      return truncate(`${head} remediated. ${outcome.summary} Calls: ${outcome.calls.map((call) => call.command).join(', ')}.`, NOTE_LIMIT);
    case 'DRY_RUN':
      return truncate(`${head} dry run, nothing changed. Would call: ${outcome.calls.map(describe).join('; ')}`, NOTE_LIMIT);
    case 'FAILED':
      return truncate(`${head} remediation failed, the finding stays FAILED. ${outcome.error ?? ''}`, NOTE_LIMIT);
    case 'NOT_REMEDIATED':
      return truncate(`${head} not remediated: ${outcome.summary}`, NOTE_LIMIT);
    case 'SKIPPED':
      return undefined;
  }
}

/**
 * Writes the note, and moves the finding to NOTIFIED after a repair: the evaluation of Vigil's own
 * change resolves it. A dry run or a failure leaves the workflow as it is (NEW). Returns whether
 * Security Hub took the update; never throws (the repair, if any, is done, and the log line keeps
 * the record).
 */
export async function noteOnFinding(
  request: RemediationRequest,
  outcome: RemediationOutcome,
  text: string,
  aws: AwsClients,
  log: Log,
): Promise<boolean> {
  try {
    const output = await aws.client(SecurityHubClient, request.findingRegion).send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [{ Id: request.findingId, ProductArn: request.productArn }],
        Note: { Text: text, UpdatedBy: NOTE_AUTHOR },
        ...(outcome.status === 'REMEDIATED' ? { Workflow: { Status: 'NOTIFIED' } } : {}),
      }),
    );
    const unprocessed = output.UnprocessedFindings ?? [];
    if (unprocessed.length > 0) {
      log.error('remediation note not recorded on the finding', {
        findingId: request.findingId,
        errors: unprocessed.map((item) => `${item.ErrorCode ?? ''}: ${item.ErrorMessage ?? ''}`),
      });
      return false;
    }
    return true;
  } catch (error) {
    log.error('remediation note not recorded on the finding', { findingId: request.findingId, error: describeError(error) });
    return false;
  }
}

/** The one structured line per remediation (error level for a failure). */
export function logOutcome(outcome: RemediationOutcome, log: Log, describe: (call: RemediationCall) => string): void {
  const line: Record<string, unknown> = {
    outcome: outcome.status,
    ruleId: outcome.ruleId,
    findingId: outcome.findingId,
    resourceId: outcome.resourceId,
    eventId: outcome.eventId,
    dryRun: outcome.dryRun,
    summary: outcome.summary,
    calls: outcome.calls.map(describe),
    before: outcome.before ?? null,
    after: outcome.after ?? null,
    ...(outcome.skipReason ? { skipReason: outcome.skipReason } : {}),
    ...(outcome.error ? { error: outcome.error } : {}),
    ...(outcome.noted !== undefined ? { noted: outcome.noted } : {}),
  };
  if (outcome.status === 'FAILED') log.error(AUDIT_MESSAGE, line);
  else log.info(AUDIT_MESSAGE, line);
}
