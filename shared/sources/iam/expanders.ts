/**
 * Expanders for IAM calls that affect roles only indirectly (policy versions).
 *
 * The IAM SDK (`policy-entities.ts`) is imported statically: importing it lazily saved the
 * offline `vigil` command about 14 MB, but esbuild then keeps all of `client-iam` in every Lambda
 * bundle (+84 KB each), and the Lambdas' cold start matters more.
 */
import { bool, str } from '../../events/quirks.ts';
import type { Change } from '../../model.ts';
import { tryParsePolicyDocument } from '../../policy/document.ts';
import { isAwsManagedPolicyArn } from '../../policy/managed-policy.ts';
import type { AwsClients, EventExpander, Observation, RoleState } from '../../state/types.ts';
import { roleRef } from '../refs.ts';
import { rolesOfPolicy } from './policy-entities.ts';

/**
 * A new default version changes what every role carrying the policy may do. AWS-managed
 * policies are not ours to version, and a version that is not the default changes nothing.
 */
function policyVersionExpander(eventName: 'CreatePolicyVersion' | 'SetDefaultPolicyVersion'): EventExpander {
  return {
    service: 'iam',
    eventName,
    kinds: ['iam-role'],
    actions: ['iam:ListEntitiesForPolicy'],
    async expand(change: Change, aws: AwsClients): Promise<Observation[]> {
      const policyArn = str(change.request, 'policyArn');
      if (!policyArn || isAwsManagedPolicyArn(policyArn)) return [];
      if (eventName === 'CreatePolicyVersion' && bool(change.request, 'setAsDefault') !== true) return [];
      // The event's document is the new default: it wins over a read that may still show the old one.
      const document = eventName === 'CreatePolicyVersion' ? tryParsePolicyDocument(str(change.request, 'policyDocument')) : undefined;
      const roleNames = await rolesOfPolicy(aws, change.partition, policyArn);
      return roleNames.map((roleName): Observation => {
        const state: RoleState = { roleName, ...(document ? { managedPolicyDocuments: { [policyArn]: document } } : {}) };
        return { kind: 'iam-role', ref: roleRef(change, roleName), state };
      });
    },
  };
}

export const IAM_EXPANDERS: readonly EventExpander[] = [policyVersionExpander('CreatePolicyVersion'), policyVersionExpander('SetDefaultPolicyVersion')];
