/** Event extractors for emr CloudTrail calls. Pure: no SDK imports. */
import type { EventExtractor } from '../../state/types.ts';

export const EMR_EXTRACTORS: readonly EventExtractor[] = [];
