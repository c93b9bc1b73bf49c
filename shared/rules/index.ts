/**
 * The explicit rule index (esbuild needs static imports). Adding a rule: its file under
 * `shared/rules/<service>/`, its fixtures under `events/<rule-id>/`, its test, and one line in
 * that service's `index.ts`.
 */
import { EC2_RULES } from './ec2/index.ts';
import { EKS_RULES } from './eks/index.ts';
import { EMR_RULES } from './emr/index.ts';
import { IAM_RULES } from './iam/index.ts';
import type { AnyRule } from './types.ts';

export const RULES: readonly AnyRule[] = [...EC2_RULES, ...EKS_RULES, ...IAM_RULES, ...EMR_RULES];
