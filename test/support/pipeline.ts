/**
 * Test support: load fixtures from `events/` and run them through the real pipeline, with the
 * real registry, offline or with SDK clients mocked by aws-sdk-client-mock.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClientCache } from '#shared/aws/clients.ts';
import { parseConfig, type VigilConfigInput } from '#shared/config.ts';
import type { Service } from '#shared/model.ts';
import { type ChangeOutcome, Pipeline } from '#shared/pipeline/evaluate.ts';
import { createRegistry } from '#shared/registry.ts';
import { RULES } from '#shared/rules/index.ts';
import { EXPANDERS, EXTRACTORS } from '#shared/sources/extractors.ts';
import { ALL_READERS } from '#shared/sources/readers.ts';

export const EVENTS_DIR = join(import.meta.dirname, '..', '..', 'events');

/** A fresh copy of a fixture under `events/` (tests may change it freely). */
export function loadEvent(relativePath: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(EVENTS_DIR, relativePath), 'utf8')) as Record<string, unknown>;
}

export interface TestPipelineOptions {
  /** Live reads through the (mocked) SDK. Offline when false. */
  live?: boolean;
  config?: VigilConfigInput;
  /** One function's scope; all kinds when absent. */
  service?: Service;
  findingRegion?: string;
}

export function testPipeline(options: TestPipelineOptions = {}): Pipeline {
  const config = parseConfig(options.config ?? {});
  const registry = createRegistry({
    rules: RULES,
    extractors: EXTRACTORS,
    expanders: EXPANDERS,
    readers: ALL_READERS,
    disabledRules: config.disabledRules,
    ...(options.service ? { service: options.service } : {}),
  });
  return new Pipeline({
    registry,
    config,
    ...(options.live ? { aws: createClientCache({ maxAttempts: 1 }) } : {}),
    ...(options.findingRegion ? { findingRegion: options.findingRegion } : {}),
  });
}

/** Evaluates one event; fails the test if the event does not parse as a handled change. */
export async function evaluateEvent(event: unknown, options: TestPipelineOptions = {}): Promise<ChangeOutcome> {
  const pipeline = testPipeline(options);
  const parsed = pipeline.parse(event);
  if (!parsed.ok) throw new Error(`fixture did not parse: ${parsed.reason}: ${parsed.detail}`);
  return pipeline.evaluateChange(parsed.change);
}

export interface VerdictRow {
  ruleId: string;
  status: string | undefined;
  severity: string | undefined;
  workflow: string | undefined;
  resourceId: string | undefined;
  title: string | undefined;
  description: string | undefined;
  /** A rule that does not apply: it resolves a finding it had and creates none. */
  existingOnly: boolean;
}

function rows(outcome: ChangeOutcome): VerdictRow[] {
  return outcome.updates.map(({ finding, workflow, existingOnly }) => ({
    ruleId: finding.ProductFields?.['vigil/RuleId'] ?? '',
    status: finding.Compliance?.Status,
    severity: finding.Severity?.Label,
    workflow,
    resourceId: finding.Resources?.[0]?.Id,
    title: finding.Title,
    description: finding.Description,
    existingOnly: existingOnly === true,
  }));
}

/**
 * One row per finding the outcome writes. Updates marked `existingOnly` (a rule that does not
 * apply resolves a finding it had, and creates none) are left out: see `existingOnly()`.
 */
export function verdicts(outcome: ChangeOutcome): VerdictRow[] {
  return rows(outcome).filter((row) => !row.existingOnly);
}

/** Rule ids whose not-applicable verdict may resolve an existing finding (and create none). */
export function existingOnly(outcome: ChangeOutcome): string[] {
  return rows(outcome)
    .filter((row) => row.existingOnly)
    .map((row) => row.ruleId);
}

/** The distinct compliance statuses of the findings an outcome writes, sorted. */
export function statuses(outcome: ChangeOutcome): string[] {
  return [...new Set(outcome.updates.map((update) => update.finding.Compliance?.Status ?? ''))].sort();
}

/** The verdict of one rule (including an existing-only one), or undefined when it gave none. */
export function verdictOf(outcome: ChangeOutcome, ruleId: string): VerdictRow | undefined {
  return rows(outcome).find((row) => row.ruleId === ruleId);
}
