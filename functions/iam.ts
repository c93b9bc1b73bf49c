/** The iam evaluating Lambda: its rules, their readers, and nothing else. */
import { createEvaluatorHandler } from '#shared/lambda/evaluator.ts';
import { createRemediationDispatcher } from '#shared/remediation/dispatch.ts';
import { IAM_READERS } from '#shared/sources/iam/readers.ts';

export const handler = createEvaluatorHandler({ service: 'iam', readers: IAM_READERS, onViolations: createRemediationDispatcher() });
