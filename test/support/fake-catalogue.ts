/**
 * Test support: a one-rule catalogue (an EKS cluster must not have a public endpoint) with its
 * extractors and reader, so pipeline, sink and handler tests do not depend on the real rules.
 */
import { randomUUID } from 'node:crypto';
import type { Change } from '#shared/model.ts';
import { defineRule } from '#shared/rules/types.ts';
import type { ClusterState, EventExtractor, Observation, StateReader } from '#shared/state/types.ts';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';

export function clusterArn(name: string): string {
  return `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${name}`;
}

export const TEST_RULE = defineRule({
  id: 'TEST.1',
  title: 'EKS cluster endpoint is not public',
  severity: 'HIGH',
  description: 'A public endpoint exposes the Kubernetes API to the internet.',
  recommendation: { text: 'Turn off public endpoint access.', url: 'https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html' },
  source: 'test catalogue',
  resourceKinds: ['eks-cluster'],
  triggers: [{ service: 'eks', eventNames: ['CreateCluster', 'UpdateClusterConfig'] }],
  reads: ['eks:DescribeCluster'],
  evaluate(subject) {
    const { endpointPublicAccess, clusterName } = subject.state;
    if (endpointPublicAccess === undefined) return { status: 'NEEDS', readers: ['eks:DescribeCluster'], why: 'endpoint access unknown' };
    return endpointPublicAccess
      ? { status: 'FAILED', summary: `EKS cluster ${clusterName} allows public access.` }
      : { status: 'PASSED', summary: `EKS cluster ${clusterName} has no public endpoint.` };
  },
});

function clusterObservation(change: Change, deleted: boolean): Observation[] {
  const name = String(change.request.name ?? change.request.clusterName ?? '');
  const vpc = (change.request.resourcesVpcConfig ?? {}) as { endpointPublicAccess?: boolean };
  const tags = change.request.tags as Record<string, string> | undefined;
  const state: ClusterState = {
    clusterName: name,
    ...(vpc.endpointPublicAccess !== undefined ? { endpointPublicAccess: vpc.endpointPublicAccess } : {}),
    // The fake events say their tags (none means none), so no tags read is needed offline.
    tags: tags ?? {},
  };
  return [
    {
      kind: 'eks-cluster',
      ref: { kind: 'eks-cluster', id: clusterArn(name), name, accountId: change.accountId, region: change.region, partition: change.partition, attrs: { clusterName: name } },
      state,
      ...(deleted ? { deleted: true } : {}),
    },
  ];
}

export const TEST_EXTRACTORS: EventExtractor[] = [
  { service: 'eks', eventName: 'CreateCluster', kinds: ['eks-cluster'], extract: (change) => clusterObservation(change, false) },
  { service: 'eks', eventName: 'UpdateClusterConfig', kinds: ['eks-cluster'], extract: (change) => clusterObservation(change, false) },
  { service: 'eks', eventName: 'DeleteCluster', kinds: ['eks-cluster'], deletes: true, extract: (change) => clusterObservation(change, true) },
];

export const TEST_READERS: StateReader[] = [
  {
    id: 'eks:DescribeCluster',
    kind: 'eks-cluster',
    actions: ['eks:DescribeCluster'],
    read: async () => ({ found: true, state: { endpointPublicAccess: false, tags: {} } }),
  },
];

export const TEST_CATALOGUE = { rules: [TEST_RULE], extractors: TEST_EXTRACTORS, expanders: [] };

export interface EventSpec {
  eventName: 'CreateCluster' | 'UpdateClusterConfig' | 'DeleteCluster' | 'ListClusters';
  cluster: string;
  eventTime: string;
  /** `true`, `false`, or absent (the event does not say). */
  publicAccess?: boolean;
  tags?: Record<string, string>;
  eventId?: string;
  errorCode?: string;
}

/** A complete EventBridge envelope for an EKS CloudTrail call. */
export function eksEvent(spec: EventSpec): Record<string, unknown> {
  const requestParameters: Record<string, unknown> = { name: spec.cluster };
  if (spec.publicAccess !== undefined) requestParameters.resourcesVpcConfig = { endpointPublicAccess: spec.publicAccess };
  if (spec.tags) requestParameters.tags = spec.tags;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.eks',
    account: ACCOUNT,
    time: spec.eventTime,
    region: REGION,
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/admin/alice`, accountId: ACCOUNT },
      eventTime: spec.eventTime,
      eventSource: 'eks.amazonaws.com',
      eventName: spec.eventName,
      awsRegion: REGION,
      sourceIPAddress: '203.0.113.10',
      userAgent: 'aws-cli/2.15.0',
      requestParameters,
      responseElements: spec.errorCode ? null : { cluster: { name: spec.cluster } },
      ...(spec.errorCode ? { errorCode: spec.errorCode, errorMessage: 'denied' } : {}),
      requestID: randomUUID(),
      eventID: spec.eventId ?? randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
    },
  };
}
