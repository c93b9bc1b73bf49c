/** Live readers (Describe/Get calls) for iam resources. Each declares its IAM actions. */
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { iamRegion } from '../../aws/clients.ts';
import { tagsOf } from '../../events/quirks.ts';
import { parsePolicyDocument } from '../../policy/document.ts';
import type { StateReader } from '../../state/types.ts';
import { ROLE_READER } from './reader-ids.ts';
import { readRolePermissions, ROLE_PERMISSION_ACTIONS } from './role-permissions.ts';

/** Trust policy, ARN and tags. The iam-role kind's tags reader. */
export const getRole: StateReader<'iam-role'> = {
  id: ROLE_READER.trust,
  kind: 'iam-role',
  actions: ['iam:GetRole'],
  async read(subject, aws) {
    const iam = aws.client(IAMClient, iamRegion(subject.ref.partition));
    const { Role: role } = await iam.send(new GetRoleCommand({ RoleName: subject.state.roleName }));
    if (!role) return { found: false };
    return {
      found: true,
      state: {
        roleName: subject.state.roleName,
        ...(role.Arn ? { roleArn: role.Arn } : {}),
        // URL-encoded JSON; every role has one, so an unparsable one throws rather than reads as none.
        ...(role.AssumeRolePolicyDocument !== undefined ? { trustPolicy: parsePolicyDocument(role.AssumeRolePolicyDocument) } : {}),
        tags: tagsOf(role.Tags) ?? {},
      },
    };
  },
};

/** Attached and inline policies with the customer-managed policies' default versions. */
export const rolePermissionsReader: StateReader<'iam-role'> = {
  id: ROLE_READER.permissions,
  kind: 'iam-role',
  actions: ROLE_PERMISSION_ACTIONS,
  async read(subject, aws) {
    const attachment = subject.state.policyAttachment;
    const permissions = await readRolePermissions(aws, subject.ref.partition, subject.state.roleName, attachment?.attached ? [attachment.policyArn] : []);
    if (!permissions) return { found: false };
    return { found: true, state: permissions };
  },
};

export const IAM_READERS: readonly StateReader[] = [getRole, rolePermissionsReader];
