/**
 * The hook an evaluating Lambda calls after its findings are published, for what acts on
 * violations (remediation). Kept apart from the handler so that a hook imports no Lambda wiring.
 */
import type { VigilConfig } from '../config.ts';
import type { Log, Violation } from '../pipeline/evaluate.ts';
import type { AwsClients } from '../state/types.ts';

export interface ViolationContext {
  aws: AwsClients;
  config: VigilConfig;
  log: Log;
  /** The ids of the events the violations come from, comma-separated (each violation's own is `change.eventId`). */
  eventId: string;
}

/**
 * Called once per invocation (a bare event, or an SQS batch) with the FAILED, non-exempt verdicts
 * that are in Security Hub: in a batch, those of the events whose findings were all published
 * (an event that failed is retried, and its violations handed over then). Publish first, repair
 * after: whatever the hook does, the findings stay published.
 */
export type ViolationHook = (violations: readonly Violation[], context: ViolationContext) => Promise<void> | void;

/**
 * Thrown by a hook that wants its events retried: a bare event's invocation fails; in an SQS batch,
 * every message whose violations the hook was given is reported in `batchItemFailures` (the queue
 * delivers it again, then its redrive policy moves it to the dead-letter queue). Any other error
 * from a hook is logged and the events succeed. A retry re-publishes the same findings, which
 * Security Hub already holds: it costs a read.
 */
export class RetryEventError extends Error {
  override name = 'RetryEventError';
}
