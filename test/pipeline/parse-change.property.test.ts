import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChange } from '#shared/events/cloudtrail.ts';
import { eksEvent } from '../support/fake-catalogue.ts';

const REASONS = ['malformed', 'failed-call', 'read-only', 'not-handled'];
const handlesAll = () => true;

function assertWellFormed(input: unknown): void {
  const result = parseChange(input, handlesAll);
  if (result.ok) {
    expect(result.change.accountId).toMatch(/^\d{12}$/);
    expect(Number.isNaN(Date.parse(result.change.eventTime))).toBe(false);
  } else {
    expect(REASONS).toContain(result.reason);
    expect(typeof result.detail).toBe('string');
  }
}

describe('parseChange', () => {
  it('never throws on arbitrary values', () => {
    fc.assert(fc.property(fc.anything(), (input) => assertWellFormed(input)), { numRuns: 2000 });
  });

  it('never throws on arbitrary JSON', () => {
    fc.assert(fc.property(fc.json(), (text) => assertWellFormed(JSON.parse(text))), { numRuns: 2000 });
  });

  it('never throws when any field of a real-shaped envelope is replaced by arbitrary JSON', () => {
    const base = eksEvent({ eventName: 'UpdateClusterConfig', cluster: 'prod-1', eventTime: '2025-03-01T10:00:00Z', publicAccess: true });
    const detailKeys = Object.keys(base.detail as object);
    fc.assert(
      fc.property(fc.constantFrom(...detailKeys), fc.jsonValue(), fc.boolean(), (key, value, inEnvelope) => {
        const event = structuredClone(base) as Record<string, unknown> & { detail: Record<string, unknown> };
        if (inEnvelope) event[key] = value;
        else event.detail[key] = value;
        assertWellFormed(event);
      }),
      { numRuns: 1000 },
    );
  });
});
