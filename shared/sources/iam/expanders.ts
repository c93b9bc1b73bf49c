/** Expanders for IAM calls that affect roles only indirectly (policy versions). */
import type { EventExpander } from '../../state/types.ts';

export const IAM_EXPANDERS: readonly EventExpander[] = [];
