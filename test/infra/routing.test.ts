/**
 * The generated EventBridge patterns against the real-shaped fixtures under events/: a function's
 * rule must deliver exactly the events its pipeline handles (same answer as `registry.handles`,
 * failed calls dropped), and remediation requests must reach the remediator only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVICES } from '#shared/model.ts';
import { REMEDIATION_EVENT_PATTERN } from '#shared/remediation/request.ts';
import { CLOUDTRAIL_DETAIL_TYPE, computeGenerated, type EventPattern, FUNCTION_KEYS, registryOf } from '../../scripts/deployment-model.ts';

const EVENTS = join(import.meta.dirname, '..', '..', 'events');

type Json = Record<string, unknown>;

/**
 * EventBridge matching for what Vigil's patterns use: value lists, `{"exists": bool}`, nested
 * objects and `$or`. Any other operator throws, so a pattern this cannot judge fails the test.
 */
function matches(pattern: EventPattern, event: unknown): boolean {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return false;
  const record = event as Json;
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or') return (expected as EventPattern[]).some((alternative) => matches(alternative, record));
    const present = Object.hasOwn(record, key);
    const actual = record[key];
    if (!Array.isArray(expected)) return present && matches(expected as EventPattern, actual);
    const values = Array.isArray(actual) ? actual : [actual];
    return expected.some((candidate: unknown) => {
      if (candidate !== null && typeof candidate === 'object') {
        const operators = Object.keys(candidate);
        if (operators.length !== 1 || operators[0] !== 'exists') throw new Error(`unsupported pattern operator ${operators.join()}`);
        return (candidate as { exists: boolean }).exists === present;
      }
      return present && values.includes(candidate);
    });
  });
}

function fixtures(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? fixtures(join(directory, entry.name)) : entry.name.endsWith('.json') ? [join(directory, entry.name)] : [],
  );
}

const all = fixtures(EVENTS).map((path) => ({ fixture: relative(EVENTS, path), event: JSON.parse(readFileSync(path, 'utf8')) as Json }));
const cloudTrail = all.filter(({ event }) => event['detail-type'] === CLOUDTRAIL_DETAIL_TYPE);
const requests = all.filter(({ event }) => event.source === REMEDIATION_EVENT_PATTERN.source[0]);
const patterns = computeGenerated()['patterns.json'];

/** Whether the rule of `service`'s function delivers `event` (no pattern: it delivers nothing). */
function delivers(service: (typeof SERVICES)[number], event: Json): boolean {
  const pattern = patterns[FUNCTION_KEYS[service]];
  return pattern !== null && matches(pattern, event);
}

describe('matcher', () => {
  it('reads `exists: false` as "absent", and `$or` as any clause', () => {
    const pattern = { $or: [{ source: ['aws.iam'], detail: { errorCode: [{ exists: false }] } }, { source: ['aws.eks'] }] };
    expect(matches(pattern, { source: 'aws.iam', detail: {} })).toBe(true);
    expect(matches(pattern, { source: 'aws.iam', detail: { errorCode: 'AccessDenied' } })).toBe(false);
    expect(matches(pattern, { source: 'aws.eks' })).toBe(true);
    expect(matches(pattern, { source: 'aws.ec2', detail: {} })).toBe(false);
  });
});

describe('EventBridge routing of the fixtures', () => {
  it('has CloudTrail fixtures and remediation request fixtures to check', () => {
    expect(cloudTrail.length).toBeGreaterThan(20);
    expect(requests.length).toBeGreaterThan(0);
  });

  it.each(cloudTrail)('$fixture reaches exactly the functions whose pipeline handles it', ({ event }) => {
    // Prepare
    const detail = event.detail as Json;
    const failed = Boolean(detail.errorCode);
    const expected = SERVICES.filter((service) => !failed && registryOf(service).handles(String(detail.eventSource), String(detail.eventName)));
    // Act
    const delivered = SERVICES.filter((service) => delivers(service, event));
    // Assess
    expect(delivered).toEqual(expected);
  });

  it.each(cloudTrail.filter(({ fixture }) => !fixture.includes('.skip.') && !fixture.startsWith('remediation/')))(
    '$fixture (a verdict fixture) is delivered to some function',
    ({ event }) => {
      const delivered = SERVICES.filter((service) => delivers(service, event));
      expect(delivered.length).toBeGreaterThan(0);
    },
  );

  it.each(cloudTrail.filter(({ event }) => (event.detail as Json).eventSource === 'iam.amazonaws.com' && !(event.detail as Json).errorCode))(
    '$fixture (IAM, global) is forwarded from us-east-1 when some function wants it',
    ({ event }) => {
      const detail = event.detail as Json;
      const wanted = SERVICES.some((service) => registryOf(service).handles('iam.amazonaws.com', String(detail.eventName)));
      expect(patterns.forwarder !== null && matches(patterns.forwarder, event)).toBe(wanted);
    },
  );

  it.each(requests)('$fixture reaches the remediator and no evaluator', ({ event }) => {
    expect(matches(REMEDIATION_EVENT_PATTERN, event)).toBe(true);
    for (const service of SERVICES) expect(delivers(service, event)).toBe(false);
  });
});
