/**
 * Findings in ASFF, built in one place. The Id is derived from account, region, rule and
 * resource, so every verdict on the same resource updates the same finding.
 */
import { hash } from 'node:crypto';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { VigilConfig } from '../config.ts';
import type { Change, ComplianceStatus, ResourceRef, Severity } from '../model.ts';
import { severityRank } from '../model.ts';
import type { AnyRule } from '../rules/types.ts';
import { describeSubject, KINDS } from '../state/kinds.ts';
import type { Subject } from '../state/types.ts';

/** ASFF field limits (BatchImportFindings rejects longer values). */
export const ASFF_LIMITS = {
  title: 256,
  description: 1024,
  recommendationText: 512,
  productFieldValue: 2048,
  productFieldCount: 50,
  /** One finding, serialised. */
  findingBytes: 240 * 1024,
} as const;

export const SCHEMA_VERSION = '2018-10-08';
export const FINDING_TYPE = 'Software and Configuration Checks/AWS Security Best Practices';
export const GENERATOR_PREFIX = 'vigil/';

export function productArn(partition: string, region: string, accountId: string): string {
  return `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

/** Deterministic, distinct per (account, region, rule, resource); at most 512 characters. */
export function findingId(accountId: string, region: string, ruleId: string, resourceId: string): string {
  // The one-shot `hash`: the same digest as a `createHash` stream, without its objects.
  const digest = hash('sha256', resourceId, 'hex').slice(0, 40);
  return `vigil/${region}/${accountId}/${ruleId}/${digest}`;
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

function effectiveSeverity(rule: AnyRule, verdictSeverity: Severity | undefined, config: VigilConfig): Severity {
  const base = verdictSeverity ?? rule.severity;
  const override = config.severityOverrides[rule.id];
  // Configuration may raise a severity, never lower it.
  return override && severityRank(override) > severityRank(base) ? override : base;
}

export interface FindingInput {
  rule: AnyRule;
  subject: Subject;
  status: ComplianceStatus;
  summary: string;
  severity?: Severity;
  evidence?: Readonly<Record<string, string>>;
  change: Change;
  /** Region of the Security Hub receiving the finding (the Lambda's region). */
  findingRegion: string;
  config: VigilConfig;
}

function resourceTags(subject: Subject): Record<string, string> | undefined {
  const tags = (subject.state as { tags?: Readonly<Record<string, string>> }).tags;
  if (!tags) return undefined;
  const entries = Object.entries(tags).slice(0, 50);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function resourceOf(ref: ResourceRef, subject: Subject): NonNullable<AwsSecurityFinding['Resources']>[number] {
  const tags = resourceTags(subject);
  return {
    Type: KINDS[ref.kind].asffType,
    Id: ref.id,
    Partition: ref.partition as 'aws',
    Region: ref.region,
    ...(tags ? { Tags: tags } : {}),
    Details: describeSubject(subject),
  };
}

export function buildFinding(input: FindingInput): AwsSecurityFinding {
  const { rule, subject, change, findingRegion } = input;
  const ref = subject.ref;
  // A finding Vigil could not evaluate says so; it carries no risk rating of its own.
  const severity = input.status === 'NOT_AVAILABLE' ? 'INFORMATIONAL' : effectiveSeverity(rule, input.severity, input.config);
  const productFields: Record<string, string> = {
    'vigil/RuleId': rule.id,
    'vigil/EventId': change.eventId,
    'vigil/EventName': change.eventName,
    'vigil/EventSource': change.eventSource,
    'vigil/ResourceKind': ref.kind,
  };
  if (change.actorArn) productFields['vigil/ActorArn'] = change.actorArn;
  for (const [key, value] of Object.entries(input.evidence ?? {})) {
    if (Object.keys(productFields).length >= ASFF_LIMITS.productFieldCount) break;
    productFields[`vigil/evidence/${key}`.slice(0, 128)] = truncate(value, ASFF_LIMITS.productFieldValue);
  }
  const finding: AwsSecurityFinding = {
    SchemaVersion: SCHEMA_VERSION,
    Id: findingId(ref.accountId, findingRegion, rule.id, ref.id),
    ProductArn: productArn(change.partition, findingRegion, ref.accountId),
    ProductName: 'Vigil',
    CompanyName: 'Vigil',
    GeneratorId: `${GENERATOR_PREFIX}${rule.id}`,
    AwsAccountId: ref.accountId,
    Region: findingRegion,
    Types: [FINDING_TYPE],
    FirstObservedAt: change.eventTime,
    LastObservedAt: change.eventTime,
    CreatedAt: change.eventTime,
    UpdatedAt: change.eventTime,
    Severity: { Label: severity, Original: severity },
    Title: truncate(`${rule.id} ${rule.title}`, ASFF_LIMITS.title),
    Description: truncate(`${input.summary} ${rule.description}`, ASFF_LIMITS.description),
    Remediation: {
      Recommendation: {
        Text: truncate(rule.recommendation.text, ASFF_LIMITS.recommendationText),
        Url: rule.recommendation.url,
      },
    },
    ProductFields: productFields,
    Resources: [resourceOf(ref, subject)],
    Compliance:
      input.status === 'NOT_AVAILABLE'
        ? { Status: input.status, StatusReasons: [{ ReasonCode: 'CONFIG_ACCESS_DENIED', Description: truncate(input.summary, 2048) }] }
        : { Status: input.status },
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
  };
  return fitFinding(finding);
}

/**
 * At least the UTF-8 size of `value` as JSON (each UTF-16 unit takes at most 6 bytes, `\u001f`;
 * numbers at most 24 characters), or `undefined` when it holds something other than plain JSON
 * data (a `toJSON`, say) or passes `limit` on the way. A few microseconds against a
 * `JSON.stringify` per finding.
 */
export function jsonSizeBound(value: unknown, limit: number): number | undefined {
  let total = 0;
  const visit = (item: unknown): boolean => {
    if (typeof item === 'string') total += item.length * 6 + 2;
    else if (typeof item === 'number' || typeof item === 'boolean' || item === null || item === undefined) total += 24;
    else if (Array.isArray(item)) {
      total += 2;
      for (const element of item) {
        total += 1;
        if (!visit(element)) return false;
      }
    } else if (typeof item === 'object' && Object.getPrototypeOf(item) === Object.prototype) {
      total += 2;
      for (const key in item) {
        if (!Object.hasOwn(item, key)) continue;
        total += key.length * 6 + 4;
        if (!visit((item as Record<string, unknown>)[key])) return false;
      }
    } else return false;
    return total <= limit;
  };
  return visit(value) ? total : undefined;
}

/** Keeps a finding under the 240 KB limit by dropping the bulkiest optional parts first. */
export function fitFinding(finding: AwsSecurityFinding): AwsSecurityFinding {
  // Nearly every finding is a few KB: a bound on its size settles it without serialising it.
  if (jsonSizeBound(finding, ASFF_LIMITS.findingBytes) !== undefined) return finding;
  const size = (value: AwsSecurityFinding) => Buffer.byteLength(JSON.stringify(value));
  if (size(finding) <= ASFF_LIMITS.findingBytes) return finding;
  const resources = (finding.Resources ?? []).map((resource) => {
    const { Details: _details, Tags: _tags, ...rest } = resource;
    return rest;
  });
  const trimmed: AwsSecurityFinding = { ...finding, Resources: resources };
  if (size(trimmed) <= ASFF_LIMITS.findingBytes) return trimmed;
  return { ...trimmed, ProductFields: { 'vigil/RuleId': finding.ProductFields?.['vigil/RuleId'] ?? '' } };
}

/** Archived copy of a stored finding: same Id, new `UpdatedAt`, `RecordState: ARCHIVED`. */
export function archivedFinding(stored: AwsSecurityFinding, eventTime: string, eventId: string, eventName: string): AwsSecurityFinding {
  return {
    ...stored,
    UpdatedAt: eventTime,
    LastObservedAt: eventTime,
    RecordState: 'ARCHIVED',
    ProductFields: {
      ...stored.ProductFields,
      'vigil/EventId': eventId,
      'vigil/EventName': eventName,
    },
  };
}
