/** The ec2 evaluating Lambda: its rules, their readers, and nothing else. */
import { createEvaluatorHandler } from '#shared/lambda/evaluator.ts';
import { createRemediationDispatcher } from '#shared/remediation/dispatch.ts';
import { EC2_READERS } from '#shared/sources/ec2/readers.ts';

export const handler = createEvaluatorHandler({ service: 'ec2', readers: EC2_READERS, onViolations: createRemediationDispatcher() });
