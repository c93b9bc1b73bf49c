/** Event extractors for iam CloudTrail calls. Pure: no SDK imports. */
import type { Change } from '../../model.ts';
import { tryParsePolicyDocument } from '../../policy/document.ts';
import { obj, str, tagsOf } from '../../events/quirks.ts';
import type { EventExtractor, Observation, RoleState } from '../../state/types.ts';
import { roleRef } from '../refs.ts';

/** One iam-role observation for the role the request names; none when it names none. */
function roleObservation(change: Change, state: (roleName: string) => Omit<RoleState, 'roleName'>, deleted = false): Observation[] {
  const roleName = str(change.request, 'roleName');
  if (!roleName) return [];
  return [{ kind: 'iam-role', ref: roleRef(change, roleName), state: { roleName, ...state(roleName) }, ...(deleted ? { deleted: true } : {}) }];
}

export const IAM_EXTRACTORS: readonly EventExtractor[] = [
  {
    service: 'iam',
    eventName: 'CreateRole',
    kinds: ['iam-role'],
    extract: (change) =>
      roleObservation(change, () => {
        const role = obj(change.response, 'role');
        // The request holds the caller's JSON text; the response copy is URL-encoded. Either will do.
        const trustPolicy = tryParsePolicyDocument(str(change.request, 'assumeRolePolicyDocument')) ?? tryParsePolicyDocument(str(role, 'assumeRolePolicyDocument'));
        const roleArn = str(role, 'arn');
        return {
          ...(roleArn ? { roleArn } : {}),
          ...(trustPolicy ? { trustPolicy } : {}),
          // A new role has no tags unless the call gave some, and no permissions at all:
          // policies are attached by later calls, which are judged when they arrive.
          tags: tagsOf(change.request.tags) ?? {},
          attachedPolicyArns: [],
          inlinePolicies: {},
          managedPolicyDocuments: {},
        };
      }),
  },
  {
    service: 'iam',
    eventName: 'UpdateAssumeRolePolicy',
    kinds: ['iam-role'],
    extract: (change) =>
      roleObservation(change, () => {
        const trustPolicy = tryParsePolicyDocument(str(change.request, 'policyDocument'));
        return trustPolicy ? { trustPolicy } : {};
      }),
  },
  ...(['AttachRolePolicy', 'DetachRolePolicy'] as const).map(
    (eventName): EventExtractor => ({
      service: 'iam',
      eventName,
      kinds: ['iam-role'],
      extract: (change) =>
        roleObservation(change, () => {
          const policyArn = str(change.request, 'policyArn');
          return policyArn ? { policyAttachment: { policyArn, attached: eventName === 'AttachRolePolicy' } } : {};
        }),
    }),
  ),
  {
    service: 'iam',
    eventName: 'PutRolePolicy',
    kinds: ['iam-role'],
    extract: (change) =>
      roleObservation(change, () => {
        const policyName = str(change.request, 'policyName');
        const document = tryParsePolicyDocument(str(change.request, 'policyDocument'));
        // An unreadable document is left to the live read rather than guessed.
        return policyName && document ? { inlinePolicyChange: { policyName, document } } : {};
      }),
  },
  {
    service: 'iam',
    eventName: 'DeleteRolePolicy',
    kinds: ['iam-role'],
    extract: (change) =>
      roleObservation(change, () => {
        const policyName = str(change.request, 'policyName');
        return policyName ? { inlinePolicyChange: { policyName, document: null } } : {};
      }),
  },
  {
    service: 'iam',
    eventName: 'DeleteRole',
    kinds: ['iam-role'],
    deletes: true,
    extract: (change) => roleObservation(change, () => ({}), true),
  },
];
