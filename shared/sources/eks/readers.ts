/** Live readers (Describe/Get calls) for eks resources. Each declares its IAM actions. */
import type { StateReader } from '../../state/types.ts';

export const EKS_READERS: readonly StateReader[] = [];
