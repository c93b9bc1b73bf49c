/** Live readers (Describe/Get calls) for iam resources. Each declares its IAM actions. */
import type { StateReader } from '../../state/types.ts';

export const IAM_READERS: readonly StateReader[] = [];
