/** The emr rules. One line per rule file. */
import type { AnyRule } from '../types.ts';

export const EMR_RULES: readonly AnyRule[] = [];
