/**
 * Sending a planned call with the SDK, idempotency tokens, and how a call is written in notes and
 * log lines. The only place that maps a `RemediationCall` to an SDK command.
 */
import { createHash } from 'node:crypto';
import { CreateLaunchTemplateVersionCommand, EC2Client, ModifyLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import {
  AssociateEncryptionConfigCommand,
  DisassociateAccessPolicyCommand,
  EKSClient,
  UpdateAddonCommand,
  UpdateClusterConfigCommand,
} from '@aws-sdk/client-eks';
import { DetachRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { iamRegion } from '../aws/clients.ts';
import type { ResourceRef } from '../model.ts';
import type { AwsClients } from '../state/types.ts';
import type { RemediationCall } from './types.ts';

/**
 * Token for EC2 `ClientToken` and EKS `clientRequestToken`: the same (event, rule) always gives
 * the same token, so a second delivery of the event that reaches the call anyway (both read the
 * resource before either changed it) is answered with the first call's result. `purpose` tells
 * apart the calls of one plan. At most 64 ASCII characters (EC2 allows 128).
 */
export function idempotencyToken(eventId: string, ruleId: string, purpose = ''): string {
  const digest = createHash('sha256').update(`${eventId}\u0000${ruleId}\u0000${purpose}`).digest('hex');
  return `vigil-${digest.slice(0, 40)}`;
}

/**
 * In a plan, stands for the number of the launch-template version that the plan's
 * CreateLaunchTemplateVersion returns (unknown until then); `apply` puts the number in its place.
 */
export const CREATED_VERSION = '(created version)';

/** IAM action of a call, as policies name it. */
export function actionOf(call: RemediationCall): string {
  return `${call.service}:${call.command}`;
}

/** `UpdateClusterConfig {"name":"prod-1",...}` without the idempotency token (noise in a note). */
export function describeCall(call: RemediationCall): string {
  const { ClientToken: _ec2Token, clientRequestToken: _eksToken, ...input } = call.input as Record<string, unknown>;
  return `${call.command} ${JSON.stringify(input)}`;
}

/** Sends one call in the resource's region (IAM: its partition's IAM endpoint); returns the SDK output. */
export async function sendCall(call: RemediationCall, aws: AwsClients, ref: ResourceRef): Promise<unknown> {
  switch (call.command) {
    case 'CreateLaunchTemplateVersion':
      return aws.client(EC2Client, ref.region).send(new CreateLaunchTemplateVersionCommand(call.input));
    case 'ModifyLaunchTemplate':
      return aws.client(EC2Client, ref.region).send(new ModifyLaunchTemplateCommand(call.input));
    case 'UpdateClusterConfig':
      return aws.client(EKSClient, ref.region).send(new UpdateClusterConfigCommand(call.input));
    case 'AssociateEncryptionConfig':
      return aws.client(EKSClient, ref.region).send(new AssociateEncryptionConfigCommand(call.input));
    case 'DisassociateAccessPolicy':
      return aws.client(EKSClient, ref.region).send(new DisassociateAccessPolicyCommand(call.input));
    case 'UpdateAddon':
      return aws.client(EKSClient, ref.region).send(new UpdateAddonCommand(call.input));
    case 'DetachRolePolicy':
      return aws.client(IAMClient, iamRegion(ref.partition)).send(new DetachRolePolicyCommand(call.input));
  }
}

/** Sends every call in order; the common `apply` of remediations whose calls need nothing from each other. */
export async function sendAll(calls: readonly RemediationCall[], aws: AwsClients, ref: ResourceRef): Promise<void> {
  for (const call of calls) await sendCall(call, aws, ref);
}

/** EKS answers a call on a cluster or add-on that is creating or updating with this error. */
export function isResourceInUse(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'ResourceInUseException';
}
