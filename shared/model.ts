/**
 * Vigil's domain vocabulary, shared by the Lambdas, the local `vigil` command and the tests.
 * Nothing here performs I/O.
 */

/** One evaluating Lambda per service; the value is CloudTrail's `eventSource`. */
export const EVENT_SOURCES = {
  iam: 'iam.amazonaws.com',
  eks: 'eks.amazonaws.com',
  ec2: 'ec2.amazonaws.com',
  'emr-containers': 'emr-containers.amazonaws.com',
} as const;

export type Service = keyof typeof EVENT_SOURCES;
export const SERVICES = Object.keys(EVENT_SOURCES) as Service[];

export function serviceOfEventSource(eventSource: string): Service | undefined {
  return SERVICES.find((service) => EVENT_SOURCES[service] === eventSource);
}

export const SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** ASFF `Resources[].Type` values Vigil emits. */
export type AsffResourceType = 'AwsEksCluster' | 'AwsEc2LaunchTemplate' | 'AwsIamRole' | 'Other';

/**
 * The kinds of resource a rule can judge. Each kind has a state type (see `shared/state/`),
 * extractors that read that state out of CloudTrail events, and readers that fetch it live.
 */
export type ResourceKind =
  | 'launch-template'
  | 'eks-cluster'
  | 'eks-nodegroup'
  | 'eks-addon'
  | 'eks-access-policy'
  | 'eks-pod-identity'
  | 'iam-role'
  | 'emr-virtual-cluster'
  | 'emr-managed-endpoint'
  | 'emr-job-template';

/** Identifies one resource. `id` is what ASFF `Resources[0].Id` carries (an ARN where one exists). */
export interface ResourceRef {
  kind: ResourceKind;
  /** ARN (or, for resources without one, a stable ARN-like identifier). Part of the finding Id. */
  id: string;
  /** Human name used in titles and descriptions ("EKS cluster prod-1"). */
  name: string;
  accountId: string;
  region: string;
  partition: string;
  /** Kind-specific identifiers the readers need (clusterName, launchTemplateId, roleName, ...). */
  attrs: Readonly<Record<string, string>>;
}

/** The normalised CloudTrail change the pipeline works on (see `shared/events/cloudtrail.ts`). */
export interface Change {
  eventId: string;
  eventName: string;
  eventSource: string;
  service: Service;
  /** ISO-8601, as CloudTrail wrote it. Becomes the finding's `UpdatedAt`. */
  eventTime: string;
  /** The account the call was made in (`recipientAccountId`, else the envelope's `account`). */
  accountId: string;
  /** Region of the call (`awsRegion`); IAM calls say us-east-1. */
  region: string;
  partition: string;
  /** ARN of the caller as CloudTrail shows it (`userIdentity.arn`), if any. */
  actorArn?: string;
  /** For assumed roles: the role ARN with its path (`sessionContext.sessionIssuer.arn`). */
  sessionIssuerArn?: string;
  /** Set when an AWS service made the call on the caller's behalf (`userIdentity.invokedBy`). */
  invokedBy?: string;
  request: Readonly<Record<string, unknown>>;
  response: Readonly<Record<string, unknown>> | null;
}

/**
 * Compliance outcome of one rule on one resource. NOT_AVAILABLE: Vigil was denied a read it
 * needs, so the finding says "not evaluated" instead of guessing (never a PASS).
 */
export type ComplianceStatus = 'PASSED' | 'FAILED' | 'NOT_AVAILABLE';

export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  return 'aws';
}
