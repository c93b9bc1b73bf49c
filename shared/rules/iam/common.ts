/**
 * What the IAM rules share: which roles they judge, and the reads that tell it. Each rule decides
 * as soon as the known state allows (an attach of AdministratorAccess to a known node role fails
 * without listing the rest), and asks for a read only for what is still unknown.
 */
import { describeUses, roleUses } from '../../policy/role.ts';
import { ROLE_READER } from '../../sources/iam/reader-ids.ts';
import type { RoleState, RoleUse } from '../../state/types.ts';
import type { Evaluation } from '../types.ts';

export { ROLE_READER };

export const WORKLOAD_OR_NODE: readonly RoleUse[] = ['irsa', 'pod-identity', 'emr-execution', 'node'];
export const NODE_ONLY: readonly RoleUse[] = ['node'];

export type Applicability = { applies: true; uses: RoleUse[] } | { applies: false; evaluation: Evaluation };

/**
 * Whether the role is one of the `judged` kinds: from the event's hint (a node group's role), else
 * from its trust policy (and, for EC2-trusted roles, whether it carries a worker-node policy).
 */
export function applicability(roleName: string, state: RoleState, judged: readonly RoleUse[], what: string): Applicability {
  const known = roleUses(state);
  const uses = known.uses.filter((use) => judged.includes(use));
  if (uses.length > 0) return { applies: true, uses };
  if (known.needsTrust) return { applies: false, evaluation: { status: 'NEEDS', readers: [ROLE_READER.trust], why: 'the trust policy tells what the role is used for' } };
  if (known.needsAttachedList) {
    return {
      applies: false,
      evaluation: { status: 'NEEDS', readers: [ROLE_READER.permissions], why: 'an EC2-trusted role is an EKS node role when it carries a worker-node policy' },
    };
  }
  const other = known.uses.length > 0 ? ` (it is used for ${describeUses(known.uses)})` : '';
  return { applies: false, evaluation: { status: 'NOT_APPLICABLE', summary: `IAM role ${roleName} is not ${what}${other}.` } };
}

/** "a, b and c" */
export function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
