/**
 * Vocabulary the EKS rules share: access policy names, IAM principal matching, and the verdict
 * for a change that does not touch what a rule judges.
 */
import type { Evaluation } from '../types.ts';

/**
 * The change did not touch what the rule judges (a logging-only UpdateClusterConfig for EKS.1):
 * its verdict stands as it was, so there is no finding to write and nothing to read. A rule
 * returns this only from state the event gave, never after a read (a read fills every field).
 */
export function unaffected(why: string): Evaluation {
  return { status: 'UNAFFECTED', why };
}

/** `AmazonEKSEditPolicy` from `arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy`. */
export function accessPolicyName(policyArn: string): string {
  return policyArn.slice(policyArn.lastIndexOf('/') + 1);
}

interface Principal {
  partition: string;
  accountId: string;
  type: 'role' | 'user';
  /** Lower-cased: IAM names are unique regardless of case. */
  name: string;
}

/** An IAM role or user ARN, with or without a path; other ARNs (assumed-role sessions) are not principals here. */
function principalOf(arn: string): Principal | undefined {
  const match = /^arn:([a-z-]+):iam::(\d{12}):(role|user)\/(.+)$/.exec(arn);
  if (!match) return undefined;
  const [, partition = '', accountId = '', type, path = ''] = match;
  return { partition, accountId, type: type === 'user' ? 'user' : 'role', name: path.slice(path.lastIndexOf('/') + 1).toLowerCase() };
}

/**
 * Whether two ARNs name the same IAM principal. A role's (or user's) name is unique in its account
 * whatever its path, so `role/platform/admins` and `role/admins` are the same role; anything else
 * is compared as written.
 */
export function samePrincipal(a: string, b: string): boolean {
  const left = principalOf(a);
  const right = principalOf(b);
  if (!left || !right) return a === b;
  return left.partition === right.partition && left.accountId === right.accountId && left.type === right.type && left.name === right.name;
}

export function isAllowListed(principalArn: string, allowList: readonly string[]): boolean {
  return allowList.some((allowed) => samePrincipal(principalArn, allowed));
}

/** "a", "a and b", "a, b and c". */
export function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
