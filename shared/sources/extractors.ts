/**
 * Every event extractor and expander, all services. They import no SDK client for their
 * extraction, so every function carries all of them and keeps only the observations of its kinds.
 */
import type { EventExpander, EventExtractor } from '../state/types.ts';
import { EC2_EXTRACTORS } from './ec2/extractors.ts';
import { EKS_EXTRACTORS } from './eks/extractors.ts';
import { EMR_EXTRACTORS } from './emr/extractors.ts';
import { IAM_EXPANDERS } from './iam/expanders.ts';
import { IAM_EXTRACTORS } from './iam/extractors.ts';

export const EXTRACTORS: readonly EventExtractor[] = [...EC2_EXTRACTORS, ...EKS_EXTRACTORS, ...IAM_EXTRACTORS, ...EMR_EXTRACTORS];
export const EXPANDERS: readonly EventExpander[] = [...IAM_EXPANDERS];
