/** Live readers (Describe/Get calls) for emr resources. Each declares its IAM actions. */
import type { StateReader } from '../../state/types.ts';

export const EMR_READERS: readonly StateReader[] = [];
