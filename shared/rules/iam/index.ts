/** The iam rules. One line per rule file. */
import type { AnyRule } from '../types.ts';
import { iam1IrsaTrustScope } from './iam-1-irsa-trust-scope.ts';
import { iam2DefaultServiceAccount } from './iam-2-default-service-account.ts';
import { iam3NoAdminPermissions } from './iam-3-no-admin-permissions.ts';
import { iam4NodeRolePolicies } from './iam-4-node-role-policies.ts';
import { iam5CniPolicyNotOnNodeRole } from './iam-5-cni-policy-not-on-node-role.ts';
import { iam6OpenTrust } from './iam-6-open-trust.ts';

export const IAM_RULES: readonly AnyRule[] = [
  iam1IrsaTrustScope,
  iam2DefaultServiceAccount,
  iam3NoAdminPermissions,
  iam4NodeRolePolicies,
  iam5CniPolicyNotOnNodeRole,
  iam6OpenTrust,
];
