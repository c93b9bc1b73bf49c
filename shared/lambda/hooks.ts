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
  eventId: string;
}

/**
 * Called once per event with its FAILED, non-exempt verdicts, after they are in Security Hub.
 * Publish first, repair after: whatever the hook does, the findings stay published.
 */
export type ViolationHook = (violations: readonly Violation[], context: ViolationContext) => Promise<void> | void;

/**
 * Thrown by a hook that wants the whole event retried (Lambda's async retries, then the
 * on-failure destination). Any other error from a hook is logged and the event succeeds.
 * A retry re-publishes the same findings, which Security Hub already holds: it costs a read.
 */
export class RetryEventError extends Error {
  override name = 'RetryEventError';
}
