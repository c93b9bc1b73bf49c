/** Event extractors for eks CloudTrail calls. Pure: no SDK imports. */
import type { EventExtractor } from '../../state/types.ts';

export const EKS_EXTRACTORS: readonly EventExtractor[] = [];
