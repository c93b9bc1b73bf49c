/**
 * What the EKS cluster remediations share: the cluster ARN pattern their permissions are scoped
 * to, and the cluster states in which EKS accepts a configuration change. The cluster's live state
 * comes from the registered DescribeCluster reader, so these remediations need no `inspect`.
 */
import type { Subject } from '../state/types.ts';
import type { Plan } from './types.ts';

export const CLUSTER_ARN = 'arn:${partition}:eks:${region}:${account}:cluster/*';

/** The cluster as EKS describes it, read before the rule judges it again. */
export const CLUSTER_READS = ['eks:DescribeCluster'] as const;

/** EKS rejects a change while the cluster is being created or updated: wait, then re-read. */
const TRANSIENT = new Set(['CREATING', 'UPDATING', 'PENDING']);

export function clusterBusy(subject: Subject<'eks-cluster'>): string | undefined {
  const status = subject.state.status;
  return status && TRANSIENT.has(status) ? `EKS cluster ${subject.ref.name} is ${status}` : undefined;
}

/** A cluster being deleted, or failed, takes no change. `undefined` when the cluster can take one. */
export function clusterNotChangeable(subject: Subject<'eks-cluster'>): Extract<Plan, { status: 'NOT_REMEDIABLE' }> | undefined {
  const status = subject.state.status;
  if (status === 'DELETING' || status === 'FAILED') {
    return { status: 'NOT_REMEDIABLE', reason: `EKS cluster ${subject.ref.name} is ${status}` };
  }
  return undefined;
}
