/** The eks evaluating Lambda: its rules, their readers, and nothing else. */
import { createEvaluatorHandler } from '#shared/lambda/evaluator.ts';
import { createRemediationDispatcher } from '#shared/remediation/dispatch.ts';
import { EKS_READERS } from '#shared/sources/eks/readers.ts';

export const handler = createEvaluatorHandler({ service: 'eks', readers: EKS_READERS, onViolations: createRemediationDispatcher() });
