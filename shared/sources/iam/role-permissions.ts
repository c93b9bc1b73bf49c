/**
 * Reads what a role may do: its attached managed policies, its inline policies, and the default
 * version of every attached customer-managed policy. Shared by the IAM permissions reader and the
 * EMR helpers (EMR.1 judges a job's execution role with the same analysis).
 */
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { iamRegion, isNotFound } from '../../aws/clients.ts';
import { parsePolicyDocument, type PolicyDocument } from '../../policy/document.ts';
import { isAwsManagedPolicyArn } from '../../policy/managed-policy.ts';
import type { AwsClients, RoleState } from '../../state/types.ts';

/** Every IAM action `readRolePermissions` performs. Grant exactly these to its callers. */
export const ROLE_PERMISSION_ACTIONS = [
  'iam:GetPolicy',
  'iam:GetPolicyVersion',
  'iam:GetRolePolicy',
  'iam:ListAttachedRolePolicies',
  'iam:ListRolePolicies',
] as const;

async function attachedPolicyArns(iam: IAMClient, roleName: string): Promise<string[]> {
  const arns: string[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName, ...(marker ? { Marker: marker } : {}) }));
    for (const policy of page.AttachedPolicies ?? []) if (policy.PolicyArn) arns.push(policy.PolicyArn);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return arns;
}

async function inlinePolicyNames(iam: IAMClient, roleName: string): Promise<string[]> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName, ...(marker ? { Marker: marker } : {}) }));
    names.push(...(page.PolicyNames ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return names;
}

/** A customer-managed policy's default version, or `undefined` when it vanished meanwhile. */
async function defaultVersionDocument(iam: IAMClient, policyArn: string): Promise<PolicyDocument | undefined> {
  try {
    const policy = await iam.send(new GetPolicyCommand({ PolicyArn: policyArn }));
    const versionId = policy.Policy?.DefaultVersionId;
    if (!versionId) return undefined;
    const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId }));
    const document = version.PolicyVersion?.Document;
    return document === undefined ? undefined : parsePolicyDocument(document);
  } catch (error) {
    // Detached and deleted between the list and this read: it no longer grants anything.
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * The role's permissions as `RoleState` (no trust policy, no tags), or `null` when the role does
 * not exist. AccessDenied and other errors propagate: the caller's pipeline classifies them.
 * A stored document that cannot be parsed throws `PolicyParseError` rather than being skipped,
 * since skipping could turn an admin grant into a PASS.
 *
 * `alsoPolicyArns`: customer-managed policies whose documents to read even if the attached list
 * does not show them yet (an AttachRolePolicy event seconds old, which IAM may not list yet).
 */
export async function readRolePermissions(
  aws: AwsClients,
  partition: string,
  roleName: string,
  alsoPolicyArns: readonly string[] = [],
): Promise<RoleState | null> {
  const iam = aws.client(IAMClient, iamRegion(partition));
  let arns: string[];
  let names: string[];
  try {
    arns = await attachedPolicyArns(iam, roleName);
    names = await inlinePolicyNames(iam, roleName);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }

  const inlinePolicies: Record<string, PolicyDocument> = {};
  for (const policyName of names) {
    try {
      const response = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
      if (response.PolicyDocument !== undefined) inlinePolicies[policyName] = parsePolicyDocument(response.PolicyDocument);
    } catch (error) {
      // Deleted between the list and this read.
      if (!isNotFound(error)) throw error;
    }
  }

  const managedPolicyDocuments: Record<string, PolicyDocument> = {};
  for (const policyArn of new Set([...arns, ...alsoPolicyArns])) {
    if (isAwsManagedPolicyArn(policyArn)) continue;
    const document = await defaultVersionDocument(iam, policyArn);
    if (document) managedPolicyDocuments[policyArn] = document;
  }

  return { roleName, attachedPolicyArns: arns, inlinePolicies, managedPolicyDocuments };
}
