/**
 * EKS.2 remediation: enables exactly the required control-plane log types that are off. A logging
 * update names only the types it toggles, so the types already on (and any extra ones) are left
 * as they are. CloudWatch Logs ingestion is billed.
 */
import { CLUSTER_ARN, CLUSTER_READS, clusterBusy, clusterNotChangeable } from './cluster.ts';
import { sendAll } from './calls.ts';
import type { Remediation } from './types.ts';

export const eks2Remediation: Remediation<'eks-cluster'> = {
  ruleId: 'EKS.2',
  kind: 'eks-cluster',
  description:
    'Enables the required control-plane log types that are off, and only those (UpdateClusterConfig logging, enabled: true); types already on are untouched. ' +
    'CloudWatch Logs ingestion and storage are billed.',
  permissions: [{ actions: ['eks:UpdateClusterConfig'], resources: [CLUSTER_ARN] }],
  reads: CLUSTER_READS,
  busy: clusterBusy,
  plan(subject, config, context) {
    const blocked = clusterNotChangeable(subject);
    if (blocked) return blocked;
    const { ref, state } = subject;
    const logging = state.logging;
    if (logging === undefined) return { status: 'NOT_REMEDIABLE', reason: `the logging settings of EKS cluster ${ref.name} could not be read` };
    const missing = config.requiredLogTypes.filter((type) => logging[type] !== true);
    if (missing.length === 0) return { status: 'NOT_REMEDIABLE', reason: `EKS cluster ${ref.name} already logs ${config.requiredLogTypes.join(', ')}` };
    const enabledBefore = config.requiredLogTypes.filter((type) => logging[type] === true);
    return {
      status: 'PLANNED',
      calls: [
        {
          service: 'eks',
          command: 'UpdateClusterConfig',
          input: { name: state.clusterName, logging: { clusterLogging: [{ types: missing, enabled: true }] }, clientRequestToken: context.token },
        },
      ],
      summary: `EKS cluster ${ref.name}: control-plane logging enabled for ${missing.join(', ')}.`,
      before: { requiredLogTypesEnabled: enabledBefore, requiredLogTypesMissing: missing },
      after: { requiredLogTypesEnabled: [...config.requiredLogTypes], requiredLogTypesMissing: [] },
    };
  },
  async apply(plan, subject, aws) {
    await sendAll(plan.calls, aws, subject.ref);
    return { calls: plan.calls, after: plan.after };
  },
};
