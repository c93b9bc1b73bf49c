/**
 * A role's permissions and uses as the rules see them: what was read live, with the change the
 * event made laid over it (an attach or an inline put is visible in the event before IAM's
 * eventually consistent reads show it).
 */
import type { RoleState, RoleUse } from '../state/types.ts';
import { adminGrants, awsManagedPolicyName, EC2_SERVICE, roleUsesFromTrust, trustsServicePrincipal } from './analysis.ts';
import type { PolicyDocument } from './document.ts';

export interface RolePermissions {
  /** Whether the attached list, the inline policies and the customer-managed documents are all known. */
  complete: boolean;
  /** Attached managed policy ARNs as far as known (the event's attach/detach applied). */
  attachedPolicyArns: string[];
  /** Inline policies as far as known (the event's put/delete applied). */
  inlinePolicies: Record<string, PolicyDocument>;
  /** Every known document (inline and customer-managed), with how reasons name it. */
  documents: PolicyDocument[];
  labels: string[];
}

/** Whether the attached list can be known from state (read live, or the create event said none). */
export function attachedListKnown(state: RoleState): boolean {
  return state.attachedPolicyArns !== undefined;
}

export function rolePermissions(state: RoleState): RolePermissions {
  const attached = new Set(state.attachedPolicyArns ?? []);
  if (state.policyAttachment) {
    if (state.policyAttachment.attached) attached.add(state.policyAttachment.policyArn);
    else attached.delete(state.policyAttachment.policyArn);
  }
  const inlinePolicies: Record<string, PolicyDocument> = { ...(state.inlinePolicies ?? {}) };
  if (state.inlinePolicyChange) {
    const { policyName, document } = state.inlinePolicyChange;
    if (document) inlinePolicies[policyName] = document;
    else delete inlinePolicies[policyName];
  }
  const documents: PolicyDocument[] = [];
  const labels: string[] = [];
  for (const [name, document] of Object.entries(inlinePolicies)) {
    documents.push(document);
    labels.push(`inline policy ${name}`);
  }
  for (const policyArn of attached) {
    const document = state.managedPolicyDocuments?.[policyArn];
    if (!document) continue;
    documents.push(document);
    labels.push(`policy ${policyArn.slice(policyArn.lastIndexOf('/') + 1)}`);
  }
  return {
    complete: state.attachedPolicyArns !== undefined && state.inlinePolicies !== undefined && state.managedPolicyDocuments !== undefined,
    attachedPolicyArns: [...attached],
    inlinePolicies,
    documents,
    labels,
  };
}

/**
 * Admin-equivalent grants. With incomplete permissions only the AWS-managed admin policies
 * count: a statement's grant could still be cancelled by a Deny in a policy not read yet.
 */
export function roleAdminGrants(permissions: RolePermissions): string[] {
  if (!permissions.complete) return adminGrants({ attachedPolicyArns: permissions.attachedPolicyArns, documents: [] });
  return adminGrants({ attachedPolicyArns: permissions.attachedPolicyArns, documents: permissions.documents, labels: permissions.labels });
}

export interface RoleUses {
  uses: RoleUse[];
  /** The trust policy must be read before the uses are known. */
  needsTrust: boolean;
  /** An EC2-trusted role: whether it is an EKS node role depends on the attached list. */
  needsAttachedList: boolean;
}

/** The role's uses: what the event said (e.g. a node group's role) and what its trust says. */
export function roleUses(state: RoleState): RoleUses {
  const uses = new Set<RoleUse>(state.uses ?? []);
  if (state.trustPolicy === undefined) return { uses: [...uses], needsTrust: true, needsAttachedList: false };
  if (state.trustPolicy === null) return { uses: [...uses], needsTrust: false, needsAttachedList: false };
  const permissions = rolePermissions(state);
  const known = attachedListKnown(state) || permissions.attachedPolicyArns.length > 0;
  for (const use of roleUsesFromTrust(state.trustPolicy, known ? permissions.attachedPolicyArns : undefined)) uses.add(use);
  const needsAttachedList = !uses.has('node') && !attachedListKnown(state) && trustsServicePrincipal(state.trustPolicy, EC2_SERVICE);
  return { uses: [...uses], needsTrust: false, needsAttachedList };
}

/** Human list of uses: "IRSA and EKS node". */
export function describeUses(uses: readonly RoleUse[]): string {
  const names: Record<RoleUse, string> = { irsa: 'IRSA', 'pod-identity': 'EKS Pod Identity', node: 'EKS node', 'emr-execution': 'EMR on EKS execution' };
  return uses.map((use) => names[use]).join(' and ');
}

/** Name of a managed policy ARN for sentences: the AWS-managed name, else the ARN's last segment. */
export function policyNameOf(policyArn: string): string {
  return awsManagedPolicyName(policyArn) ?? policyArn.slice(policyArn.lastIndexOf('/') + 1);
}
