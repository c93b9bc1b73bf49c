/** The ec2 rules. One line per rule file. */
import type { AnyRule } from '../types.ts';

export const EC2_RULES: readonly AnyRule[] = [];
