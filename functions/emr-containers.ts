/** The emr-containers evaluating Lambda: its rules, their readers, and nothing else. */
import { createEvaluatorHandler } from '#shared/lambda/evaluator.ts';
import { EMR_READERS } from '#shared/sources/emr/readers.ts';

export const handler = createEvaluatorHandler({ service: 'emr-containers', readers: EMR_READERS });
