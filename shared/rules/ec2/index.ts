/** The ec2 rules. One line per rule file. */
import type { AnyRule } from '../types.ts';
import { lt1ImdsV2Required } from './lt-1-imdsv2-required.ts';
import { lt2HopLimit } from './lt-2-hop-limit.ts';

export const EC2_RULES: readonly AnyRule[] = [lt1ImdsV2Required, lt2HopLimit];
