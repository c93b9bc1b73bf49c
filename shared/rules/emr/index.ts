/** The emr rules. One line per rule file. */
import type { AnyRule } from '../types.ts';
import { emr1ExecutionRoleLeastPrivilege } from './emr-1-execution-role-least-privilege.ts';
import { emr2VirtualClusterSingleRole } from './emr-2-virtual-cluster-single-role.ts';
import { emr3ReleaseAndImage } from './emr-3-release-and-image.ts';
import { emr4EndpointPrivateSubnet } from './emr-4-endpoint-private-subnet.ts';

export const EMR_RULES: readonly AnyRule[] = [
  emr1ExecutionRoleLeastPrivilege,
  emr2VirtualClusterSingleRole,
  emr3ReleaseAndImage,
  emr4EndpointPrivateSubnet,
];
