/**
 * Every live reader. Only the local command and the tests import this: each Lambda entry
 * imports just the reader modules its rules need, to keep its bundle small.
 */
import type { StateReader } from '../state/types.ts';
import { EC2_READERS } from './ec2/readers.ts';
import { EKS_READERS } from './eks/readers.ts';
import { EMR_READERS } from './emr/readers.ts';
import { IAM_READERS } from './iam/readers.ts';

export const ALL_READERS: readonly StateReader[] = [...EC2_READERS, ...EKS_READERS, ...IAM_READERS, ...EMR_READERS];
