/**
 * The remediation request: what an evaluating Lambda puts on the default event bus for each
 * FAILED, non-exempt violation of an opted-in rule, and what the remediating Lambda receives.
 * Typed with zod at both ends; the remediator trusts nothing in it but identities, and re-reads
 * the resource before acting.
 */
import { REMEDIABLE_RULES } from '../config.ts';
import { productArn } from '../findings/asff.ts';
import type { ResourceKind } from '../model.ts';
import type { Violation } from '../pipeline/evaluate.ts';
import { KINDS } from '../state/kinds.ts';
import * as z from '../zod-mini.ts';
import { identityOf } from './live.ts';

export const REMEDIATION_SOURCE = 'vigil.remediation';
export const REMEDIATION_DETAIL_TYPE = 'Vigil Remediation Request';

/** The EventBridge rule pattern that routes requests to the remediating Lambda. */
export const REMEDIATION_EVENT_PATTERN = {
  source: [REMEDIATION_SOURCE],
  'detail-type': [REMEDIATION_DETAIL_TYPE],
} as const;

/**
 * PutEvents accepts entries up to 256 KB; a request larger than this carries only the resource's
 * identity as its state (the remediator reads the rest live anyway).
 */
export const MAX_DETAIL_BYTES = 200_000;

const resourceKind = z.custom<ResourceKind>((value) => typeof value === 'string' && Object.hasOwn(KINDS, value), 'a Vigil resource kind');
const nonEmptyString = z.string().check(z.minLength(1));

export const remediationRequestSchema = z.object({
  version: z.literal(1),
  ruleId: z.enum(REMEDIABLE_RULES),
  findingId: nonEmptyString,
  findingRegion: nonEmptyString,
  /** With `findingId`, identifies the finding for BatchUpdateFindings. */
  productArn: z.string().check(z.startsWith('arn:')),
  resource: z.object({
    kind: resourceKind,
    id: nonEmptyString,
    name: z.string(),
    accountId: z.string().check(z.regex(/^\d{12}$/)),
    region: nonEmptyString,
    partition: nonEmptyString,
    attrs: z.record(z.string(), z.string()),
  }),
  /** The CloudTrail change whose evaluation failed. */
  trigger: z.object({
    eventId: nonEmptyString,
    eventTime: nonEmptyString,
    eventName: nonEmptyString,
    eventSource: nonEmptyString,
    actorArn: z.optional(z.string()),
    /** The role (ARN with path) whose session made the change; how Vigil recognises its own changes. */
    sessionIssuerArn: z.optional(z.string()),
  }),
  /** The resource's state as evaluated (audit context; identities only when it was too large). */
  state: z.record(z.string(), z.unknown()),
  stateTrimmed: z.optional(z.boolean()),
});

export type RemediationRequest = z.output<typeof remediationRequestSchema>;

export const remediationEventSchema = z.object({
  'detail-type': z.literal(REMEDIATION_DETAIL_TYPE),
  source: z.literal(REMEDIATION_SOURCE),
  id: z.optional(z.string()),
  detail: remediationRequestSchema,
});

/** The request for one violation. */
export function requestOf(violation: Violation): RemediationRequest {
  const { rule, subject, change } = violation;
  const request: RemediationRequest = {
    version: 1,
    ruleId: rule.id as RemediationRequest['ruleId'],
    findingId: violation.findingId,
    findingRegion: violation.findingRegion,
    productArn: productArn(change.partition, violation.findingRegion, subject.ref.accountId),
    resource: { ...subject.ref, attrs: { ...subject.ref.attrs } },
    trigger: {
      eventId: change.eventId,
      eventTime: change.eventTime,
      eventName: change.eventName,
      eventSource: change.eventSource,
      ...(change.actorArn ? { actorArn: change.actorArn } : {}),
      ...(change.sessionIssuerArn ? { sessionIssuerArn: change.sessionIssuerArn } : {}),
    },
    state: { ...(subject.state as Record<string, unknown>) },
  };
  if (Buffer.byteLength(JSON.stringify(request)) <= MAX_DETAIL_BYTES) return request;
  return { ...request, state: { ...(identityOf(subject).state as Record<string, unknown>) }, stateTrimmed: true };
}
