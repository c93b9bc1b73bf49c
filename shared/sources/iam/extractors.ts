/** Event extractors for iam CloudTrail calls. Pure: no SDK imports. */
import type { EventExtractor } from '../../state/types.ts';

export const IAM_EXTRACTORS: readonly EventExtractor[] = [];
