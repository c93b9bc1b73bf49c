/** The iam rules. One line per rule file. */
import type { AnyRule } from '../types.ts';

export const IAM_RULES: readonly AnyRule[] = [];
