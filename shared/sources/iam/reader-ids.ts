/** Ids of the iam-role readers, for rules (which must not import the SDK-bound reader modules). */
export const ROLE_READER = {
  /** GetRole: trust policy, ARN, tags. */
  trust: 'iam:GetRole',
  /** Attached and inline policies, customer-managed policies' default versions. */
  permissions: 'iam:role-permissions',
} as const;
