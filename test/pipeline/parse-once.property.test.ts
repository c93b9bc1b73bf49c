import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloudTrailRecordSchema, eventBridgeEnvelopeSchema, parseChange } from '#shared/events/cloudtrail.ts';
import { eksEvent } from '../support/fake-catalogue.ts';

const handlesAll = () => true;

/** What parseChange made of an envelope when it validated the record a second time. */
function validatedTwice(input: unknown) {
  const envelope = eventBridgeEnvelopeSchema.safeParse(input);
  if (!envelope.success) return undefined;
  return cloudTrailRecordSchema.safeParse(envelope.data.detail);
}

describe('an EventBridge envelope is validated once', () => {
  it('gives the record and change the second validation gave, whatever a field holds', () => {
    const base = eksEvent({ eventName: 'UpdateClusterConfig', cluster: 'prod-1', eventTime: '2025-03-01T10:00:00Z', publicAccess: true });
    const detailKeys = Object.keys(base.detail as object);
    // Spellings the schema rewrites (flattened booleans, "None" bodies) as well as arbitrary JSON.
    const value = fc.oneof(fc.constantFrom('true', 'FALSE', 'None', '', null, true, false), fc.jsonValue());
    fc.assert(
      fc.property(fc.constantFrom(...detailKeys), value, (key, replacement) => {
        // Prepare
        const event = structuredClone(base) as Record<string, unknown> & { detail: Record<string, unknown> };
        event.detail[key] = replacement;
        const reference = validatedTwice(structuredClone(event));
        // Act
        const result = parseChange(event, handlesAll);
        // Assess
        if (!reference?.success) {
          expect(result.ok).toBe(false);
          return;
        }
        if (result.ok) expect(result.record).toEqual(reference.data);
        const again = parseChange(reference.data, handlesAll);
        // A record that passes as a bare record passes inside its envelope, and means the same.
        if (again.ok) {
          expect(result.ok).toBe(true);
          if (result.ok) expect({ ...result.change, accountId: again.change.accountId }).toEqual(again.change);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
