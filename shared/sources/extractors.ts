/**
 * Every event extractor, all services. Extractors are pure and import no SDK, so every
 * function can carry all of them; each function keeps only the observations of its kinds.
 */
import type { EventExtractor } from '../state/types.ts';

export const EXTRACTORS: readonly EventExtractor[] = [];
