/** Event extractors for ec2 CloudTrail calls. Pure: no SDK imports. */
import type { EventExtractor } from '../../state/types.ts';

export const EC2_EXTRACTORS: readonly EventExtractor[] = [];
