/**
 * The edge: EventBridge envelopes and CloudTrail records, typed with zod and turned into a
 * `Change`. Tolerant of the quirks real records show (see docs/cloudtrail-shapes in the team
 * hand-out): `errorCode: null` in lab exports, booleans flattened to strings, `"None"` for
 * null, missing `recipientAccountId` in old records. Never throws: anything it cannot use comes
 * back as a skip with a reason, so one bad record never takes a batch down.
 */
import { type Change, partitionOfRegion, serviceOfEventSource } from '../model.ts';
import * as z from '../zod-mini.ts';

/** What classic zod's `z.preprocess(fn, schema)` builds: the transform's output is parsed by `schema`. */
function preprocess<T extends z.core.$ZodType>(fn: (value: unknown) => unknown, schema: T) {
  return z.pipe(z.transform(fn), schema);
}

const looseBoolean = preprocess((value) => {
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return value;
}, z.boolean());

/** `null`, `"None"`, `""` and absent all mean "no body". */
const body = preprocess(
  (value) => (value === 'None' || value === '' || value === undefined ? null : value),
  z.nullable(z.record(z.string(), z.unknown())),
);

const userIdentitySchema = z.looseObject({
  type: z.optional(z.string()),
  arn: z.optional(z.string()),
  accountId: z.optional(z.string()),
  invokedBy: z.optional(z.string()),
  sessionContext: z.optional(
    z.looseObject({
      sessionIssuer: z.optional(z.looseObject({ arn: z.optional(z.string()) })),
    }),
  ),
});

const nonEmptyString = z.string().check(z.minLength(1));

export const cloudTrailRecordSchema = z.looseObject({
  eventVersion: z.optional(z.string()),
  eventID: nonEmptyString,
  eventName: nonEmptyString,
  eventSource: nonEmptyString,
  eventTime: z.iso.datetime({ offset: true }),
  awsRegion: nonEmptyString,
  recipientAccountId: z.optional(z.string()),
  userIdentity: z.optional(userIdentitySchema),
  requestParameters: z.optional(body),
  responseElements: z.optional(body),
  errorCode: z.optional(z.nullable(z.string())),
  errorMessage: z.optional(z.nullable(z.string())),
  readOnly: z.optional(looseBoolean),
  eventType: z.optional(z.string()),
});

export type CloudTrailRecord = z.output<typeof cloudTrailRecordSchema>;

export const eventBridgeEnvelopeSchema = z.looseObject({
  version: z.optional(z.string()),
  id: z.optional(z.string()),
  'detail-type': z.literal('AWS API Call via CloudTrail'),
  source: z.string(),
  account: z.optional(z.string()),
  time: z.optional(z.string()),
  region: z.optional(z.string()),
  resources: z.optional(z.array(z.unknown())),
  detail: cloudTrailRecordSchema,
});

export type EventBridgeCloudTrailEvent = z.output<typeof eventBridgeEnvelopeSchema>;

export type SkipReason =
  /** Not JSON-shaped like an EventBridge CloudTrail event or a CloudTrail record. */
  | 'malformed'
  /** A valid record whose call failed (truthy `errorCode`): it changed nothing. */
  | 'failed-call'
  /** A read-only call (Get/List/Describe) cannot change compliance. */
  | 'read-only'
  /** A service or event name Vigil has no rule for. */
  | 'not-handled';

export type ParseResult =
  | { ok: true; change: Change; record: CloudTrailRecord }
  | { ok: false; reason: SkipReason; detail: string; eventId?: string; eventName?: string };

function describeIssues(error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Picks the CloudTrail record out of an EventBridge envelope, or takes the input as a record.
 * The envelope's schema validates its `detail` as a record already: `parsed` carries that result,
 * so the record is not validated twice.
 */
function recordOf(input: unknown): { record: unknown; parsed?: CloudTrailRecord; envelopeAccount?: string } | { error: string; reason?: SkipReason } {
  if (!isObject(input)) return { error: 'event is not a JSON object' };
  const detailType = input['detail-type'];
  if (typeof detailType === 'string' && detailType !== 'AWS API Call via CloudTrail' && isObject(input.detail)) {
    // A well-formed EventBridge event of another kind (e.g. Vigil's own remediation requests).
    return { error: `EventBridge detail-type "${detailType}" is not evaluated`, reason: 'not-handled' };
  }
  if ('detail-type' in input || 'detail' in input) {
    const envelope = eventBridgeEnvelopeSchema.safeParse(input);
    if (!envelope.success) return { error: `not an "AWS API Call via CloudTrail" event: ${describeIssues(envelope.error)}` };
    return { record: envelope.data.detail, parsed: envelope.data.detail, envelopeAccount: envelope.data.account };
  }
  return { record: input };
}

/**
 * Turns an EventBridge event or a bare CloudTrail record into a `Change`, or says why it is
 * skipped. `handles(eventSource, eventName)` tells which calls Vigil evaluates.
 */
export function parseChange(input: unknown, handles: (eventSource: string, eventName: string) => boolean): ParseResult {
  const picked = recordOf(input);
  if ('error' in picked) return { ok: false, reason: picked.reason ?? 'malformed', detail: picked.error };
  const parsed = picked.parsed ? { success: true as const, data: picked.parsed } : cloudTrailRecordSchema.safeParse(picked.record);
  if (!parsed.success) {
    const raw = isObject(picked.record) ? picked.record : {};
    return {
      ok: false,
      reason: 'malformed',
      detail: `not a CloudTrail record: ${describeIssues(parsed.error)}`,
      ...(typeof raw.eventID === 'string' ? { eventId: raw.eventID } : {}),
      ...(typeof raw.eventName === 'string' ? { eventName: raw.eventName } : {}),
    };
  }
  const record = parsed.data;
  const ids = { eventId: record.eventID, eventName: record.eventName };
  if (record.errorCode) {
    return { ok: false, reason: 'failed-call', detail: `call failed with ${record.errorCode}`, ...ids };
  }
  if (record.readOnly === true) return { ok: false, reason: 'read-only', detail: 'read-only call', ...ids };
  const service = serviceOfEventSource(record.eventSource);
  if (!service || !handles(record.eventSource, record.eventName)) {
    return { ok: false, reason: 'not-handled', detail: `${record.eventSource} ${record.eventName} is not evaluated`, ...ids };
  }
  const accountId = record.recipientAccountId ?? picked.envelopeAccount ?? record.userIdentity?.accountId;
  if (!accountId || !/^\d{12}$/.test(accountId)) {
    return { ok: false, reason: 'malformed', detail: 'record names no 12-digit account', ...ids };
  }
  const identity = record.userIdentity;
  const change: Change = {
    eventId: record.eventID,
    eventName: record.eventName,
    eventSource: record.eventSource,
    service,
    eventTime: new Date(record.eventTime).toISOString(),
    accountId,
    region: record.awsRegion,
    partition: partitionOfRegion(record.awsRegion),
    ...(identity?.arn ? { actorArn: identity.arn } : {}),
    ...(identity?.sessionContext?.sessionIssuer?.arn ? { sessionIssuerArn: identity.sessionContext.sessionIssuer.arn } : {}),
    ...(identity?.invokedBy ? { invokedBy: identity.invokedBy } : {}),
    request: record.requestParameters ?? {},
    response: record.responseElements ?? null,
  };
  return { ok: true, change, record };
}

/**
 * The object a raw input's `eventSource` and `eventName` are read from (an EventBridge envelope's
 * `detail`, else the input itself), without validation; `undefined` when the input is no object.
 * Allocates nothing: the local command calls it on every record of an archive.
 */
export function peekedRecord(input: unknown): Record<string, unknown> | undefined {
  if (!isObject(input)) return undefined;
  return isObject(input.detail) ? input.detail : input;
}

/**
 * Cheap look at a raw input's source and name, without validation, so that the local command
 * can pass over the bulk of a CloudTrail archive (events Vigil does not handle) at JSON.parse speed.
 */
export function peekEventName(input: unknown): { eventSource?: string; eventName?: string } {
  const record = peekedRecord(input);
  if (!record) return {};
  return {
    ...(typeof record.eventSource === 'string' ? { eventSource: record.eventSource } : {}),
    ...(typeof record.eventName === 'string' ? { eventName: record.eventName } : {}),
  };
}
