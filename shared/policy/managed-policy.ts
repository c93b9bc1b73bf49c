/**
 * Managed policy ARNs, without the IAM SDK: the expanders and the local command tell AWS-managed
 * policies apart before (or without) any IAM call.
 */

/** AWS-managed policies live in the `aws` account; their content is judged by name, never read. */
export function isAwsManagedPolicyArn(policyArn: string): boolean {
  return /^arn:[^:]+:iam::aws:policy\//.test(policyArn);
}
