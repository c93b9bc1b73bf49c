/** Expanders for IAM calls that affect roles only indirectly (policy versions). */
import { IAMClient, ListEntitiesForPolicyCommand } from '@aws-sdk/client-iam';
import { iamRegion } from '../../aws/clients.ts';
import { bool, str } from '../../events/quirks.ts';
import type { Change } from '../../model.ts';
import { tryParsePolicyDocument } from '../../policy/document.ts';
import type { AwsClients, EventExpander, Observation, RoleState } from '../../state/types.ts';
import { roleRef } from '../refs.ts';
import { isAwsManagedPolicyArn } from './role-permissions.ts';

/** Names of the roles a managed policy is attached to (ListEntitiesForPolicy, every page). */
async function rolesOfPolicy(aws: AwsClients, partition: string, policyArn: string): Promise<string[]> {
  const iam = aws.client(IAMClient, iamRegion(partition));
  const roleNames: string[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: policyArn, EntityFilter: 'Role', ...(marker ? { Marker: marker } : {}) }));
    for (const role of page.PolicyRoles ?? []) if (role.RoleName) roleNames.push(role.RoleName);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return roleNames;
}

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
