/**
 * Test support for the remediation tests: request fixtures, the remediator wired to the real
 * rules, readers and remediations (SDK clients mocked by the caller), a log that keeps its lines,
 * and the live AWS responses of resources as they stand in the fixtures.
 */
import type { Cluster } from '@aws-sdk/client-eks';
import type { LaunchTemplateVersion } from '@aws-sdk/client-ec2';
import { createClientCache } from '#shared/aws/clients.ts';
import { parseConfig, type VigilConfigInput } from '#shared/config.ts';
import type { Log } from '#shared/pipeline/evaluate.ts';
import { REMEDIATIONS } from '#shared/remediation/catalog.ts';
import type { RemediatorOptions } from '#shared/remediation/remediator.ts';
import { type RemediationRequest, remediationEventSchema } from '#shared/remediation/request.ts';
import { RULES } from '#shared/rules/index.ts';
import { ALL_READERS } from '#shared/sources/readers.ts';
import { loadEvent } from '../support/pipeline.ts';

/** The remediator role of the fixtures: note the path, which CloudTrail's `sessionIssuer.arn` keeps. */
export const REMEDIATOR_ROLE_ARN = 'arn:aws:iam::111122223333:role/vigil/vigil-remediator';

export type RequestFixture = 'lt-1' | 'lt-2' | 'eks-1' | 'eks-2' | 'eks-3' | 'eks-4' | 'eks-6' | 'eks-8' | 'iam-3';

/** A fresh copy of `events/remediation/VigilRemediationRequest.<rule>.json`, validated. */
export function loadRequest(rule: RequestFixture): RemediationRequest {
  return remediationEventSchema.parse(loadEvent(`remediation/VigilRemediationRequest.${rule}.json`)).detail;
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  extra: Record<string, unknown>;
}

export function recordingLog(): Log & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (message: string, extra: Record<string, unknown> = {}) => {
    lines.push({ level, message, extra });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1f2e3d4c-5b6a-4789-8abc-0d1e2f3a4b5c';

/** Every rule opted in, for real (not a dry run), with what EKS.1 and EKS.3 need. */
export function remediationConfig(overrides: VigilConfigInput = {}): VigilConfigInput {
  return {
    allowedPublicAccessCidrs: ['203.0.113.0/24', '198.51.100.0/24'],
    adminPrincipalArns: ['arn:aws:iam::111122223333:role/platform-admin'],
    ...overrides,
    remediation: {
      dryRun: false,
      enabledRules: ['LT.1', 'LT.2', 'EKS.1', 'EKS.2', 'EKS.3', 'EKS.4', 'EKS.6', 'EKS.8', 'IAM.3'],
      kmsKeyArn: KMS_KEY_ARN,
      ...overrides.remediation,
    },
  };
}

export function remediatorOptions(config: VigilConfigInput = remediationConfig(), extra: Partial<RemediatorOptions> = {}): RemediatorOptions & { log: ReturnType<typeof recordingLog> } {
  const log = recordingLog();
  return {
    config: parseConfig(config),
    aws: createClientCache({ maxAttempts: 1 }),
    remediatorRoleArn: REMEDIATOR_ROLE_ARN,
    rules: new Map(RULES.map((rule) => [rule.id, rule])),
    readers: new Map(ALL_READERS.map((reader) => [reader.id, reader])),
    remediations: REMEDIATIONS,
    sleep: async () => {},
    pollMs: 1_000,
    ...extra,
    log,
  };
}

/** The audit line of a remediation, from the recorded log. */
export function auditLine(log: { lines: LogLine[] }): LogLine | undefined {
  return log.lines.find((line) => line.message === 'vigil remediation');
}

/** `payments-prod` as DescribeCluster shows it after CreateCluster with the API's defaults. */
export function payments(overrides: Partial<Cluster> = {}): Cluster {
  return {
    name: 'payments-prod',
    arn: 'arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod',
    version: '1.32',
    status: 'ACTIVE',
    resourcesVpcConfig: {
      subnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0b2c3d4e5f6071829'],
      securityGroupIds: ['sg-0d4e5f60718293a4b'],
      vpcId: 'vpc-0e5f60718293a4b5c',
      endpointPublicAccess: true,
      endpointPrivateAccess: false,
      publicAccessCidrs: ['0.0.0.0/0'],
    },
    logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], enabled: false }] },
    accessConfig: { authenticationMode: 'CONFIG_MAP', bootstrapClusterCreatorAdminPermissions: true },
    identity: { oidc: { issuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/8A1B2C3D4E5F60718293A4B5C6D7E8F9' } },
    tags: { team: 'payments' },
    ...overrides,
  };
}

/** Version 1 of `payments-nodes`, the default, as CreateLaunchTemplate wrote it. */
export function paymentsNodesVersion(overrides: Partial<LaunchTemplateVersion> = {}): LaunchTemplateVersion {
  return {
    LaunchTemplateId: 'lt-0e1f2a3b4c5d6e7f8',
    LaunchTemplateName: 'payments-nodes',
    VersionNumber: 1,
    DefaultVersion: true,
    LaunchTemplateData: {
      ImageId: 'ami-0a1b2c3d4e5f60718',
      InstanceType: 'm7i.large',
      MetadataOptions: { State: 'applied', HttpTokens: 'optional', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled', InstanceMetadataTags: 'enabled' },
    },
    ...overrides,
  };
}
