/**
 * The catalogue as a whole (the way Cloud Custodian's policy test walks its registries): what a
 * rule declares must exist, carry IAM actions, and be reachable from the events it names, or the
 * generated patterns and permissions silently leave it out.
 */
import { describe, expect, it } from 'vitest';
import { functionOfKind } from '#shared/registry.ts';
import { RULES } from '#shared/rules/index.ts';
import { EXPANDERS, EXTRACTORS } from '#shared/sources/extractors.ts';
import { ALL_READERS } from '#shared/sources/readers.ts';
import { KINDS } from '#shared/state/kinds.ts';

const readers = new Map(ALL_READERS.map((reader) => [reader.id, reader]));

const declaredReads = RULES.flatMap((rule) => rule.reads.map((readerId) => ({ ruleId: rule.id, readerId })));
const tagsReaders = Object.entries(KINDS).flatMap(([kind, descriptor]) => (descriptor.tagsReader ? [{ kind, readerId: descriptor.tagsReader }] : []));
const triggers = RULES.flatMap((rule) =>
  rule.triggers.flatMap((trigger) => trigger.eventNames.map((eventName) => ({ ruleId: rule.id, service: trigger.service, eventName, kinds: rule.resourceKinds }))),
);

describe('rule catalogue', () => {
  it('has rules, each with a unique id', () => {
    const ids = RULES.map((rule) => rule.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(declaredReads)('$ruleId reads $readerId, which is registered and performs IAM actions', ({ readerId }) => {
    const reader = readers.get(readerId);
    expect(reader, `reader ${readerId} is not in ALL_READERS`).toBeDefined();
    expect(reader?.actions.length).toBeGreaterThan(0);
  });

  it.each(tagsReaders)('the $kind tags reader $readerId is registered for that kind', ({ kind, readerId }) => {
    expect(readers.get(readerId)?.kind).toBe(kind);
  });

  it.each(triggers)('$ruleId is reachable from $service $eventName (an extractor or expander emits one of its kinds)', ({ service, eventName, kinds }) => {
    const sources = [...EXTRACTORS, ...EXPANDERS].filter((source) => source.service === service && source.eventName === eventName);
    const emitted = new Set(sources.flatMap((source) => source.kinds));
    expect(
      kinds.filter((kind) => emitted.has(kind)),
      `no extractor or expander for ${service} ${eventName} emits ${kinds.join(' or ')}`,
    ).not.toEqual([]);
  });

  it.each(RULES.map((rule) => ({ ruleId: rule.id, kinds: rule.resourceKinds })))('$ruleId judges kinds some function owns', ({ kinds }) => {
    expect(kinds.length).toBeGreaterThan(0);
    for (const kind of kinds) expect(() => functionOfKind(kind)).not.toThrow();
  });

  it.each(ALL_READERS.map((reader) => ({ id: reader.id, actions: reader.actions })))('reader $id declares exact IAM actions (service:Action, no wildcard)', ({ actions }) => {
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/);
  });

  it.each(EXPANDERS.map((expander) => ({ event: `${expander.service} ${expander.eventName}`, actions: expander.actions })))('expander for $event declares exact IAM actions', ({ actions }) => {
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/);
  });
});
