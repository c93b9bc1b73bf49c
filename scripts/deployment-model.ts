/**
 * What the deployment is made of, computed from the rule registry: each evaluating function's
 * EventBridge pattern and IAM read actions, the forwarder's pattern, and the rules reference.
 * `generate.ts` writes these to `generated/` and `docs/rules.md` (committed, so a rule change
 * shows its deployed effect in the diff); `serverless-vars.ts` refuses to package when the files
 * are stale; the infra tests compare both ways. Pure: no file or network I/O here.
 */
import { EVENT_SOURCES, type ResourceKind, SERVICES, type Service } from '#shared/model.ts';
import { createRegistry, FUNCTION_KINDS, functionOfKind, type Registry } from '#shared/registry.ts';
import { REMEDIATION_PERMISSIONS, remediationDocs } from '#shared/remediation/catalog.ts';
import { RULES } from '#shared/rules/index.ts';
import type { AnyRule } from '#shared/rules/types.ts';
import { EXPANDERS, EXTRACTORS } from '#shared/sources/extractors.ts';
import { ALL_READERS } from '#shared/sources/readers.ts';
import { KINDS } from '#shared/state/kinds.ts';
import type { EventExpander, EventExtractor, StateReader } from '#shared/state/types.ts';

/** The detail-type EventBridge gives CloudTrail management events. */
export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/** serverless.yml function keys (CloudFormation logical ids are derived from them). */
export const FUNCTION_KEYS = {
  iam: 'iam',
  eks: 'eks',
  ec2: 'ec2',
  'emr-containers': 'emrContainers',
} as const satisfies Record<Service, string>;

export type EvaluatorKey = (typeof FUNCTION_KEYS)[Service];
export const EVALUATOR_KEYS = SERVICES.map((service) => FUNCTION_KEYS[service]);

/** The handler module of each evaluating function (`functions/<service>.ts`). */
export function handlerOf(service: Service): string {
  return `functions/${service}.handler`;
}

/**
 * osls' logical-id prefix of a function (`emrContainers` → `EmrContainers`, hence
 * `EmrContainersLogGroup`). Function keys are kept alphanumeric so this is all osls does to them.
 */
export function logicalPrefix(functionKey: string): string {
  if (!/^[a-z][A-Za-z0-9]*$/.test(functionKey)) throw new Error(`function key ${functionKey} must be alphanumeric camelCase`);
  return functionKey.charAt(0).toUpperCase() + functionKey.slice(1);
}

/** CloudTrail's EventBridge `source` for a service (`aws.emr-containers`). */
export function eventBridgeSource(service: Service): string {
  return `aws.${EVENT_SOURCES[service].replace(/\.amazonaws\.com$/, '')}`;
}

/** An EventBridge event pattern (only the shapes Vigil writes). */
export type EventPattern = Readonly<Record<string, unknown>>;

function sourceClause(service: Service, eventNames: readonly string[]): Record<string, unknown> {
  return {
    source: [eventBridgeSource(service)],
    detail: {
      eventSource: [EVENT_SOURCES[service]],
      eventName: [...eventNames],
      // Failed calls changed nothing (the pipeline skips them too): drop them at the bus.
      errorCode: [{ exists: false }],
    },
  };
}

/**
 * The pattern for a set of (service → event names). One source is a plain pattern; several use
 * `$or` with one clause per source, so each name matches only under its own service (the IAM
 * function takes eks CreateNodegroup, not an iam call of that name). `null` when there is nothing
 * to receive: an EventBridge pattern cannot hold an empty list.
 */
export function eventPattern(names: ReadonlyMap<Service, readonly string[]>): EventPattern | null {
  const clauses = [...names.entries()]
    .filter(([, eventNames]) => eventNames.length > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, eventNames]) => sourceClause(service, eventNames));
  const [only] = clauses;
  if (!only) return null;
  if (clauses.length === 1) return { 'detail-type': [CLOUDTRAIL_DETAIL_TYPE], ...only };
  return { 'detail-type': [CLOUDTRAIL_DETAIL_TYPE], $or: clauses };
}

export interface Catalogue {
  rules: readonly AnyRule[];
  extractors: readonly EventExtractor[];
  expanders: readonly EventExpander[];
  readers: readonly StateReader[];
}

export const CATALOGUE: Catalogue = { rules: RULES, extractors: EXTRACTORS, expanders: EXPANDERS, readers: ALL_READERS };

/** The registry of one function, as its Lambda builds it (no rule disabled: see docs/deployment.md). */
export function registryOf(service: Service, catalogue: Catalogue = CATALOGUE): Registry {
  return createRegistry({ ...catalogue, service });
}

/** `generated/patterns.json`: one pattern per evaluating function, plus the forwarder's. */
export type PatternsFile = Record<EvaluatorKey | 'forwarder', EventPattern | null>;
/** `generated/permissions.json`: the IAM actions each evaluating function's readers and expanders perform. */
export type PermissionsFile = Record<EvaluatorKey, readonly string[]>;
/**
 * `generated/remediation.json`: per remediable rule, what the remediating function is granted
 * when the rule is opted in (placeholders `${partition}`, `${region}`, `${account}`; EKS.3's key
 * is narrowed to the configured one at package time).
 */
export type RemediationFile = typeof REMEDIATION_PERMISSIONS;

export interface GeneratedFiles {
  'patterns.json': PatternsFile;
  'permissions.json': PermissionsFile;
  'remediation.json': RemediationFile;
}

export function computeGenerated(catalogue: Catalogue = CATALOGUE): GeneratedFiles {
  const patterns: Partial<PatternsFile> = {};
  const permissions: Partial<Record<EvaluatorKey, readonly string[]>> = {};
  const globalNames = new Set<string>();
  for (const service of SERVICES) {
    const registry = registryOf(service, catalogue);
    const names = registry.eventNames();
    patterns[FUNCTION_KEYS[service]] = eventPattern(names);
    permissions[FUNCTION_KEYS[service]] = registry.requiredActions();
    for (const name of names.get('iam') ?? []) globalNames.add(name);
  }
  // IAM is global: its calls reach EventBridge only in us-east-1. The forwarder sends exactly the
  // iam calls some function wants (never another service's us-east-1 events) to the main region.
  patterns.forwarder = eventPattern(new Map([['iam', [...globalNames].sort()]]));
  return {
    'patterns.json': patterns as PatternsFile,
    'permissions.json': permissions as PermissionsFile,
    'remediation.json': REMEDIATION_PERMISSIONS,
  };
}

/** Stable JSON for committed files: two-space indent, trailing newline. */
export function toJsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// The rules reference (docs/rules.md)

const ID_ORDER = ['LT', 'NG', 'EKS', 'IAM', 'EMR'];

/** Catalogue order: LT, NG, EKS, IAM, EMR (as in the rule catalogue), then by number. */
export function compareRuleIds(a: string, b: string): number {
  const [prefixA = '', numberA = '0'] = a.split('.');
  const [prefixB = '', numberB = '0'] = b.split('.');
  const rank = (prefix: string) => (ID_ORDER.includes(prefix) ? ID_ORDER.indexOf(prefix) : ID_ORDER.length);
  return rank(prefixA) - rank(prefixB) || prefixA.localeCompare(prefixB) || Number(numberA) - Number(numberB);
}

function code(values: readonly string[]): string {
  return values.map((value) => `\`${value}\``).join(', ');
}

/** Table cells cannot hold a pipe or a line break. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function anchor(ruleId: string): string {
  return ruleId.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

function functionsOf(rule: AnyRule): string[] {
  const services = new Set<Service>(rule.resourceKinds.map((kind) => functionOfKind(kind)));
  return SERVICES.filter((service) => services.has(service)).map((service) => FUNCTION_KEYS[service]);
}

function kindLabels(kinds: readonly ResourceKind[]): string {
  return kinds.map((kind) => KINDS[kind].label).join(', ');
}

/** One paragraph per rule's remediation (`remediationDocs()` of the remediation catalogue). */
export interface RemediationDoc {
  summary: string;
  actions: readonly string[];
}

export function renderRulesDoc(catalogue: Catalogue = CATALOGUE, remediations: ReadonlyMap<string, RemediationDoc> = remediationDocs()): string {
  const readers = new Map(catalogue.readers.map((reader) => [reader.id, reader]));
  const rules = [...catalogue.rules].sort((a, b) => compareRuleIds(a.id, b.id));
  const lines: string[] = [
    '# Rules reference',
    '',
    '<!-- Generated by `npm run generate` (scripts/generate.ts) from the rule registry. Do not edit:',
    '     change the rule, then regenerate. test/infra/generated.test.ts fails when this file drifts. -->',
    '',
    'Every rule Vigil evaluates, from the rule files under `shared/rules/`. Severities are defaults',
    '(`severityOverrides` in `vigil.config.json` may raise them); `disabledRules` switches a rule off.',
    'A rule runs when one of its trigger calls changes a resource of its kinds; when the event alone',
    'cannot decide, it reads the resource live with the readers listed (the IAM actions are granted',
    'to the evaluating function, and nothing else is). Remediation runs only for rules opted in',
    'under `remediation.enabledRules`.',
    '',
    '| ID | title | severity | function | remediation |',
    '|---|---|---|---|---|',
  ];
  for (const rule of rules) {
    const remediation = remediations.has(rule.id) ? 'opt-in' : 'none';
    lines.push(`| [${rule.id}](#${anchor(rule.id)}) | ${cell(rule.title)} | ${rule.severity} | ${functionsOf(rule).join(', ')} | ${remediation} |`);
  }
  for (const rule of rules) {
    lines.push('', `<a id="${anchor(rule.id)}"></a>`, '', `## ${rule.id}: ${rule.title}`, '');
    lines.push(
      `**Severity** ${rule.severity} · **Resources** ${kindLabels(rule.resourceKinds)} · **Evaluated by** ${functionsOf(rule)
        .map((key) => `\`${key}\``)
        .join(', ')}`,
      '',
      rule.description.trim(),
      '',
      `**Guidance:** ${rule.source.trim()}`,
      '',
      `**Recommendation:** ${rule.recommendation.text.trim()} <${rule.recommendation.url}>`,
      '',
      '**Triggers:**',
      '',
    );
    for (const trigger of rule.triggers) lines.push(`- ${trigger.service}: ${code(trigger.eventNames)}`);
    lines.push('');
    if (rule.reads.length === 0) {
      lines.push('**Live reads:** none; the event alone decides.');
    } else {
      lines.push('**Live reads** (only when the event leaves a field it needs unknown):', '', '| reader | IAM actions |', '|---|---|');
      for (const id of rule.reads) {
        const reader = readers.get(id);
        lines.push(`| \`${cell(id)}\` | ${reader ? code(reader.actions) : '(not registered)'} |`);
      }
    }
    lines.push('');
    const remediation = remediations.get(rule.id);
    if (remediation) {
      lines.push(`**Remediation (opt-in):** ${remediation.summary.trim()} IAM actions granted to the remediating function when opted in: ${code(remediation.actions)}.`);
    } else {
      lines.push('**Remediation:** none; the rule reports only.');
    }
  }
  lines.push('', '## What each function receives and may read', '');
  lines.push('Generated from the same registry as `generated/patterns.json` and `generated/permissions.json`.', '');
  lines.push('| function | resource kinds | CloudTrail calls received | IAM read actions |', '|---|---|---|---|');
  for (const service of SERVICES) {
    const registry = registryOf(service, catalogue);
    const calls = [...registry.eventNames().entries()].map(([source, names]) => `${source}: ${names.join(', ')}`);
    const actions = registry.requiredActions();
    lines.push(
      `| \`${FUNCTION_KEYS[service]}\` | ${FUNCTION_KINDS[service].join(', ')} | ${calls.length ? cell(calls.join('; ')) : '(none)'} | ${actions.length ? code(actions) : '(none)'} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Every generated file, by path from the repository root, with the content it must have. */
export function expectedFiles(catalogue: Catalogue = CATALOGUE): Record<string, string> {
  const generated = computeGenerated(catalogue);
  return {
    'generated/patterns.json': toJsonFile(generated['patterns.json']),
    'generated/permissions.json': toJsonFile(generated['permissions.json']),
    'generated/remediation.json': toJsonFile(generated['remediation.json']),
    'docs/rules.md': renderRulesDoc(catalogue),
  };
}
