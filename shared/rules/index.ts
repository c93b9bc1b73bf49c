/**
 * The explicit rule index (esbuild needs static imports). Adding a rule: its file under
 * `shared/rules/<service>/`, its fixtures under `events/<rule-id>/`, its test, and one line here.
 */
import type { AnyRule } from './types.ts';

export const RULES: readonly AnyRule[] = [];
