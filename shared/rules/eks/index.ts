/** The eks rules. One line per rule file. */
import type { AnyRule } from '../types.ts';

export const EKS_RULES: readonly AnyRule[] = [];
