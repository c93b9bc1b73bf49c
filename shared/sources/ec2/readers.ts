/** Live readers (Describe/Get calls) for ec2 resources. Each declares its IAM actions. */
import type { StateReader } from '../../state/types.ts';

export const EC2_READERS: readonly StateReader[] = [];
