/** Which roles carry a managed policy (the expanders' one live read). */
import { IAMClient, ListEntitiesForPolicyCommand } from '@aws-sdk/client-iam';
import { iamRegion } from '../../aws/clients.ts';
import type { AwsClients } from '../../state/types.ts';

/** Names of the roles a managed policy is attached to (ListEntitiesForPolicy, every page). */
export async function rolesOfPolicy(aws: AwsClients, partition: string, policyArn: string): Promise<string[]> {
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
