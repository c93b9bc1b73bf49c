/**
 * EKS.4 remediation: moves a cluster from `CONFIG_MAP` to `API_AND_CONFIG_MAP`, so access
 * entries work while the aws-auth ConfigMap keeps working. One-way: EKS never moves a cluster back
 * towards CONFIG_MAP. `API_AND_CONFIG_MAP` is left alone: moving on to `API` would drop every
 * identity that only the ConfigMap maps, which only the operator can check.
 */
import { CLUSTER_ARN, CLUSTER_READS, clusterBusy, clusterNotChangeable } from './cluster.ts';
import { sendAll } from './calls.ts';
import type { Remediation } from './types.ts';

export const eks4Remediation: Remediation<'eks-cluster'> = {
  ruleId: 'EKS.4',
  kind: 'eks-cluster',
  description:
    'Moves the cluster authentication mode from CONFIG_MAP to API_AND_CONFIG_MAP (UpdateClusterConfig accessConfig); the aws-auth ConfigMap keeps working. ' +
    'One-way: the mode cannot go back to CONFIG_MAP. A cluster already in API_AND_CONFIG_MAP is left alone.',
  permissions: [
    { actions: ['eks:UpdateClusterConfig'], resources: [CLUSTER_ARN], condition: { StringEquals: { 'eks:authenticationMode': 'API_AND_CONFIG_MAP' } } },
  ],
  reads: CLUSTER_READS,
  busy: clusterBusy,
  plan(subject, _config, context) {
    const blocked = clusterNotChangeable(subject);
    if (blocked) return blocked;
    const { ref, state } = subject;
    const mode = state.authenticationMode;
    if (mode === undefined) return { status: 'NOT_REMEDIABLE', reason: `the authentication mode of EKS cluster ${ref.name} could not be read` };
    if (mode !== 'CONFIG_MAP') {
      return {
        status: 'NOT_REMEDIABLE',
        reason: `EKS cluster ${ref.name} uses ${mode}; Vigil only moves CONFIG_MAP to API_AND_CONFIG_MAP, since moving on to API drops the identities only aws-auth maps`,
      };
    }
    return {
      status: 'PLANNED',
      calls: [
        {
          service: 'eks',
          command: 'UpdateClusterConfig',
          input: { name: state.clusterName, accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' }, clientRequestToken: context.token },
        },
      ],
      summary: `EKS cluster ${ref.name}: authentication mode moved from CONFIG_MAP to API_AND_CONFIG_MAP (one-way; aws-auth keeps working).`,
      before: { authenticationMode: mode },
      after: { authenticationMode: 'API_AND_CONFIG_MAP' },
    };
  },
  async apply(plan, subject, aws) {
    await sendAll(plan.calls, aws, subject.ref);
    return { calls: plan.calls, after: plan.after };
  },
};
