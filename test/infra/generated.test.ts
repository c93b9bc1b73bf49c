/**
 * Drift: the committed generated files (EventBridge patterns, IAM read permissions, remediation
 * permissions, docs/rules.md) must be what the registry gives now, and the patterns must say
 * exactly what each function's registry receives.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_SOURCES, type Service, SERVICES } from '#shared/model.ts';
import { REMEDIATION_PERMISSIONS } from '#shared/remediation/catalog.ts';
import {
  CLOUDTRAIL_DETAIL_TYPE,
  computeGenerated,
  type EventPattern,
  eventBridgeSource,
  eventPattern,
  expectedFiles,
  FUNCTION_KEYS,
  registryOf,
} from '../../scripts/deployment-model.ts';

const ROOT = join(import.meta.dirname, '..', '..');

interface Clause {
  source: string[];
  detail: { eventSource: string[]; eventName: string[]; errorCode: unknown[] };
}

/** (source, eventSource, eventName) triples a pattern matches, one clause per source. */
function matchedCalls(pattern: EventPattern): string[] {
  const clauses = (pattern.$or as Clause[] | undefined) ?? [pattern as unknown as Clause];
  return clauses.flatMap((clause) => clause.detail.eventName.map((name) => `${clause.source.join()} ${clause.detail.eventSource.join()} ${name}`)).sort();
}

function expectedCalls(names: ReadonlyMap<Service, readonly string[]>): string[] {
  return [...names.entries()]
    .flatMap(([service, eventNames]) => eventNames.map((name) => `${eventBridgeSource(service)} ${EVENT_SOURCES[service]} ${name}`))
    .sort();
}

describe('generated files', () => {
  it.each(Object.keys(expectedFiles()))('%s is what the registry gives now (run `npm run generate`)', (path) => {
    // Prepare
    const expected = expectedFiles()[path];
    // Act
    const committed = readFileSync(join(ROOT, path), 'utf8');
    // Assess
    expect(committed).toBe(expected);
  });
});

describe('event patterns', () => {
  const generated = computeGenerated();

  it.each(SERVICES)('the %s function receives exactly the calls its registry handles, each under its own source', (service) => {
    // Prepare
    const names = registryOf(service).eventNames();
    // Act
    const pattern = generated['patterns.json'][FUNCTION_KEYS[service]];
    // Assess
    expect(pattern, `no rule routes any event to the ${service} function`).not.toBeNull();
    expect(pattern?.['detail-type']).toEqual([CLOUDTRAIL_DETAIL_TYPE]);
    expect(matchedCalls(pattern ?? {})).toEqual(expectedCalls(names));
  });

  it.each(SERVICES)('the %s pattern drops failed calls in every clause', (service) => {
    const pattern = generated['patterns.json'][FUNCTION_KEYS[service]] ?? {};
    const clauses = (pattern.$or as Clause[] | undefined) ?? [pattern as unknown as Clause];
    for (const clause of clauses) expect(clause.detail.errorCode).toEqual([{ exists: false }]);
  });

  it('uses $or with one clause per source when a function receives several services', () => {
    // Prepare
    const names = new Map<Service, readonly string[]>([
      ['iam', ['CreateRole']],
      ['eks', ['CreateNodegroup']],
    ]);
    // Act
    const pattern = eventPattern(names);
    // Assess
    expect(pattern).toEqual({
      'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
      $or: [
        { source: ['aws.eks'], detail: { eventSource: ['eks.amazonaws.com'], eventName: ['CreateNodegroup'], errorCode: [{ exists: false }] } },
        { source: ['aws.iam'], detail: { eventSource: ['iam.amazonaws.com'], eventName: ['CreateRole'], errorCode: [{ exists: false }] } },
      ],
    });
  });

  it('has no pattern for a function nothing routes to (EventBridge rejects empty lists)', () => {
    expect(eventPattern(new Map())).toBeNull();
    expect(eventPattern(new Map([['ec2', []]]))).toBeNull();
  });

  it('forwards from us-east-1 every iam call any function wants, and nothing else', () => {
    // Prepare
    const iamNames = [...new Set(SERVICES.flatMap((service) => registryOf(service).eventNames().get('iam') ?? []))].sort();
    // Act
    const forwarder = generated['patterns.json'].forwarder;
    // Assess
    expect(iamNames.length).toBeGreaterThan(0);
    expect(matchedCalls(forwarder ?? {})).toEqual(iamNames.map((name) => `aws.iam iam.amazonaws.com ${name}`));
  });
});

describe('permissions', () => {
  const generated = computeGenerated();

  it.each(SERVICES)('the %s function is granted exactly its registry\'s required actions', (service) => {
    expect(generated['permissions.json'][FUNCTION_KEYS[service]]).toEqual(registryOf(service).requiredActions());
  });

  it('grants no action with a wildcard, to evaluators or to the remediator', () => {
    const actions = [
      ...Object.values(generated['permissions.json']).flat(),
      ...Object.values(REMEDIATION_PERMISSIONS).flatMap((permissions) => permissions.flatMap((permission) => permission.actions)),
    ];
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    expect(actions.filter((action) => !/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(action))).toEqual([]);
  });
});
