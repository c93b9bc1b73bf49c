/**
 * Test support for the `vigil` command: a one-rule catalogue of its own (an EKS cluster endpoint
 * must not be public), so the command's tests pin its behaviour (counts, store semantics, output)
 * whatever the real rules decide, plus helpers to run `main` with captured output.
 */
import { Readable } from 'node:stream';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { type CliIo, main } from '../../cli/main.ts';
import type { EvaluateDeps } from '../../cli/evaluate.ts';
import type { ClusterState, EventExtractor, Observation, StateReader } from '#shared/state/types.ts';
import { defineRule } from '#shared/rules/types.ts';
import { clusterRef } from '#shared/sources/refs.ts';

export { ACCOUNT, clusterArn, REGION } from '../support/fake-catalogue.ts';
export const FIXTURES = new URL('../fixtures/cli/', import.meta.url).pathname;

export const PUBLIC_ENDPOINT_RULE = defineRule({
  id: 'CLI.1',
  title: 'EKS cluster endpoint is not public',
  severity: 'HIGH',
  description: 'A public endpoint exposes the Kubernetes API server to the internet.',
  recommendation: { text: 'Turn off public endpoint access.', url: 'https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html' },
  source: 'test catalogue',
  resourceKinds: ['eks-cluster'],
  triggers: [{ service: 'eks', eventNames: ['CreateCluster', 'UpdateClusterConfig'] }],
  reads: ['eks:DescribeCluster'],
  evaluate(subject) {
    const { endpointPublicAccess, clusterName } = subject.state;
    if (endpointPublicAccess === undefined) return { status: 'NEEDS', readers: ['eks:DescribeCluster'], why: 'the change does not say whether the endpoint is public' };
    return endpointPublicAccess
      ? { status: 'FAILED', summary: `EKS cluster ${clusterName} has a public endpoint.`, evidence: { endpointPublicAccess: 'true' } }
      : { status: 'PASSED', summary: `EKS cluster ${clusterName} has no public endpoint.` };
  },
});

function clusterObservations(change: Parameters<EventExtractor['extract']>[0], deleted: boolean): Observation[] {
  const name = typeof change.request.name === 'string' ? change.request.name : undefined;
  if (!name) return [];
  const vpc = (change.request.resourcesVpcConfig ?? {}) as { endpointPublicAccess?: boolean };
  const tags = change.request.tags as Record<string, string> | undefined;
  const state: ClusterState = {
    clusterName: name,
    ...(typeof vpc.endpointPublicAccess === 'boolean' ? { endpointPublicAccess: vpc.endpointPublicAccess } : {}),
    ...(change.eventName === 'CreateCluster' ? { tags: tags ?? {} } : {}),
  };
  return [{ kind: 'eks-cluster', ref: clusterRef(change, name), state, ...(deleted ? { deleted: true } : {}) }];
}

export const CLUSTER_EXTRACTORS: readonly EventExtractor[] = [
  { service: 'eks', eventName: 'CreateCluster', kinds: ['eks-cluster'], extract: (change) => clusterObservations(change, false) },
  { service: 'eks', eventName: 'UpdateClusterConfig', kinds: ['eks-cluster'], extract: (change) => clusterObservations(change, false) },
  { service: 'eks', eventName: 'DeleteCluster', kinds: ['eks-cluster'], deletes: true, extract: (change) => clusterObservations(change, true) },
];

export const DESCRIBE_CLUSTER: StateReader<'eks-cluster'> = {
  id: 'eks:DescribeCluster',
  kind: 'eks-cluster',
  actions: ['eks:DescribeCluster'],
  async read(subject, aws) {
    const client = aws.client(EKSClient, subject.ref.region);
    const { cluster } = await client.send(new DescribeClusterCommand({ name: subject.ref.attrs.clusterName }));
    if (!cluster) return { found: false };
    return {
      found: true,
      state: {
        clusterName: cluster.name ?? subject.state.clusterName,
        ...(cluster.resourcesVpcConfig?.endpointPublicAccess !== undefined ? { endpointPublicAccess: cluster.resourcesVpcConfig.endpointPublicAccess } : {}),
        tags: cluster.tags ?? {},
      },
    };
  },
};

export const TEST_CATALOGUE: NonNullable<EvaluateDeps['catalogue']> = {
  rules: [PUBLIC_ENDPOINT_RULE],
  extractors: CLUSTER_EXTRACTORS,
  readers: [DESCRIBE_CLUSTER as StateReader],
};

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  stdin?: string | Buffer;
  /** Pretend standard output is a terminal (table format by default). */
  tty?: boolean;
  deps?: EvaluateDeps;
}

/** Runs `vigil <argv>` in-process with captured output, on the test catalogue unless `deps` says otherwise. */
export async function vigil(argv: readonly string[], options: RunOptions): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text) => void (stdout += text), isTTY: options.tty ?? false },
    stderr: { write: (text) => void (stderr += text) },
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdinIsTTY: options.stdin === undefined,
    cwd: options.cwd,
  };
  const code = await main(argv, io, options.deps ?? { catalogue: TEST_CATALOGUE });
  return { code, stdout, stderr };
}

/** JSON lines of stdout, parsed. */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as T);
}
