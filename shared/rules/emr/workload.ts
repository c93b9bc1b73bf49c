/**
 * What the EMR on EKS rules share: how a verdict names the workload, and how release labels
 * compare. Pure.
 */
import type { EmrWorkload, Subject } from '../../state/types.ts';
import type { EmrKind } from '../../sources/emr/reader-ids.ts';

export type EmrSubject = Subject<EmrKind>;

export function workloadOf(subject: EmrSubject): EmrWorkload | undefined {
  return subject.state.workload;
}

/** "EMR on EKS job run etl-42 in virtual cluster abc", "EMR on EKS managed endpoint nb (virtual cluster abc)"… */
export function describeWorkload(subject: EmrSubject): string {
  const workload = subject.state.workload;
  switch (subject.kind) {
    case 'emr-virtual-cluster': {
      const run = workload?.name ?? workload?.id;
      const cluster = subject.state.name ? `${subject.state.name} (${subject.state.virtualClusterId})` : subject.state.virtualClusterId;
      return run ? `EMR on EKS job run ${run} in virtual cluster ${cluster}` : `EMR on EKS virtual cluster ${cluster}`;
    }
    case 'emr-managed-endpoint':
      return `EMR on EKS managed endpoint ${workload?.name ?? subject.state.endpointId ?? subject.ref.name} (virtual cluster ${subject.state.virtualClusterId})`;
    case 'emr-job-template':
      return `EMR on EKS job template ${workload?.name ?? subject.state.jobTemplateId ?? subject.ref.name}`;
  }
}

/** `emr-6.15.0-latest` → [6, 15, 0]; suffixes (`-latest`, `-20230509`) do not order releases. */
export function releaseVersion(label: string): readonly [number, number, number] | undefined {
  const match = /^emr-(\d+)\.(\d+)\.(\d+)(?:-|$)/.exec(label);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** Negative when `a` is older than `b`, 0 when equal, positive when newer. */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
