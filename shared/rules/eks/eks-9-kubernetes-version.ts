import { defineRule } from '../types.ts';

/** `[1, 31]` from "1.31" (also from "1.31.2" or "v1.31"); `undefined` when it is no version. */
export function minorVersion(version: string): readonly [number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)/.exec(version.trim());
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

function below(version: readonly [number, number], minimum: readonly [number, number]): boolean {
  return version[0] < minimum[0] || (version[0] === minimum[0] && version[1] < minimum[1]);
}

export const eks9KubernetesVersion = defineRule({
  id: 'EKS.9',
  title: 'EKS cluster runs a supported Kubernetes version',
  severity: 'MEDIUM',
  description:
    'Kubernetes minor versions below the configured minimum (minKubernetesVersion) are out of, or close to leaving, standard support: they stop receiving security fixes, and extended support costs more.',
  recommendation: {
    text: 'Upgrade the control plane one minor version at a time (aws eks update-cluster-version), then the node groups and add-ons.',
    url: 'https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html',
  },
  source: 'Rule catalogue (rules.md, EKS clusters); the EMR on EKS security best practices ask for the latest security patches of what runs the jobs',
  resourceKinds: ['eks-cluster'],
  triggers: [{ service: 'eks', eventNames: ['CreateCluster', 'UpdateClusterVersion'] }],
  reads: ['eks:DescribeCluster'],
  evaluate({ ref, state }, { config }) {
    if (state.kubernetesVersion === undefined) {
      return { status: 'NEEDS', readers: ['eks:DescribeCluster'], why: 'the event does not name the Kubernetes version' };
    }
    const version = minorVersion(state.kubernetesVersion);
    const minimum = minorVersion(config.minKubernetesVersion);
    if (!version || !minimum) throw new Error(`cannot compare Kubernetes version "${state.kubernetesVersion}" with "${config.minKubernetesVersion}"`);
    const evidence = { kubernetesVersion: state.kubernetesVersion, minKubernetesVersion: config.minKubernetesVersion };
    if (below(version, minimum)) {
      return {
        status: 'FAILED',
        summary: `EKS cluster ${ref.name} runs Kubernetes ${state.kubernetesVersion}, below the minimum supported version ${config.minKubernetesVersion}.`,
        evidence,
      };
    }
    return { status: 'PASSED', summary: `EKS cluster ${ref.name} runs Kubernetes ${state.kubernetesVersion}, at or above ${config.minKubernetesVersion}.`, evidence };
  },
});
