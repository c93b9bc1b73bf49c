/**
 * The catalogue as data: which rules run on which events, in which function, with which live
 * readers. The EventBridge patterns, the functions' IAM permissions and the rules reference are
 * all generated from here (see `scripts/generate.ts`), never written twice.
 */
import type { ResourceKind, Service } from './model.ts';
import { EVENT_SOURCES, SERVICES } from './model.ts';
import type { AnyRule } from './rules/types.ts';
import { KINDS } from './state/kinds.ts';
import type { EventExpander, EventExtractor, ReaderId, StateReader } from './state/types.ts';

/** Each evaluating function owns the resource kinds of its service. */
export const FUNCTION_KINDS: Readonly<Record<Service, readonly ResourceKind[]>> = {
  iam: ['iam-role'],
  eks: ['eks-cluster', 'eks-nodegroup', 'eks-addon', 'eks-access-policy', 'eks-pod-identity'],
  ec2: ['launch-template'],
  'emr-containers': ['emr-virtual-cluster', 'emr-managed-endpoint', 'emr-job-template'],
};

export function functionOfKind(kind: ResourceKind): Service {
  const service = SERVICES.find((candidate) => FUNCTION_KINDS[candidate].includes(kind));
  if (!service) throw new Error(`no function owns resource kind ${kind}`);
  return service;
}

export interface Registry {
  /** Kinds evaluated here: one function's, or all of them for the local command. */
  readonly kinds: ReadonlySet<ResourceKind>;
  readonly rules: readonly AnyRule[];
  readonly extractors: readonly EventExtractor[];
  readonly expanders: readonly EventExpander[];
  readonly readers: ReadonlyMap<ReaderId, StateReader>;
  /** Whether a call reaches any rule (or archive) in scope. The cheap pre-filter. */
  handles(eventSource: string, eventName: string): boolean;
  extractorsFor(service: Service, eventName: string): readonly EventExtractor[];
  expandersFor(service: Service, eventName: string): readonly EventExpander[];
  /** Rules to run on a resource of `kind` changed by `eventName`. */
  rulesFor(kind: ResourceKind, service: Service, eventName: string): readonly AnyRule[];
  /** Event names per service that this scope must receive (for the EventBridge pattern). */
  eventNames(): ReadonlyMap<Service, readonly string[]>;
  /** Readers the in-scope rules may ask for. */
  requiredReaders(): readonly ReaderId[];
  /** IAM actions this scope performs: its required readers' and its expanders'. */
  requiredActions(): readonly string[];
}

function key(service: Service, eventName: string): string {
  return `${service}\u0000${eventName}`;
}

export interface RegistryInput {
  rules: readonly AnyRule[];
  extractors: readonly EventExtractor[];
  readers: readonly StateReader[];
  expanders?: readonly EventExpander[];
  /** Limit to one function's kinds; all kinds when absent. */
  service?: Service;
  /** Rule IDs switched off by configuration. */
  disabledRules?: readonly string[];
}

export function createRegistry(input: RegistryInput): Registry {
  const kinds = new Set<ResourceKind>(
    input.service ? FUNCTION_KINDS[input.service] : SERVICES.flatMap((service) => FUNCTION_KINDS[service]),
  );
  const disabled = new Set(input.disabledRules ?? []);
  const rules = input.rules.filter((rule) => !disabled.has(rule.id) && rule.resourceKinds.some((kind) => kinds.has(kind)));

  // Expanders behave like extractors for routing: they emit observations of their kinds.
  const expanders = (input.expanders ?? []).filter((expander) => expander.kinds.some((kind) => kinds.has(kind)));
  const expandersByEvent = new Map<string, EventExpander[]>();
  for (const expander of expanders) {
    const list = expandersByEvent.get(key(expander.service, expander.eventName)) ?? [];
    list.push(expander);
    expandersByEvent.set(key(expander.service, expander.eventName), list);
  }
  const extractorsByEvent = new Map<string, EventExtractor[]>();
  for (const extractor of input.extractors) {
    const list = extractorsByEvent.get(key(extractor.service, extractor.eventName)) ?? [];
    list.push(extractor);
    extractorsByEvent.set(key(extractor.service, extractor.eventName), list);
  }

  // (kind, service, eventName) → rules; filled only where an extractor can emit that kind.
  const rulesByTrigger = new Map<string, AnyRule[]>();
  const names = new Map<Service, Set<string>>();
  const addName = (service: Service, eventName: string) => {
    const set = names.get(service) ?? new Set<string>();
    set.add(eventName);
    names.set(service, set);
  };
  for (const rule of rules) {
    for (const trigger of rule.triggers) {
      for (const eventName of trigger.eventNames) {
        const sources = [...(extractorsByEvent.get(key(trigger.service, eventName)) ?? []), ...(expandersByEvent.get(key(trigger.service, eventName)) ?? [])];
        for (const extractor of sources) {
          for (const kind of extractor.kinds) {
            if (!kinds.has(kind) || !rule.resourceKinds.includes(kind)) continue;
            const triggerKey = `${kind}\u0000${key(trigger.service, eventName)}`;
            const list = rulesByTrigger.get(triggerKey) ?? [];
            if (!list.includes(rule)) list.push(rule);
            rulesByTrigger.set(triggerKey, list);
            addName(trigger.service, eventName);
          }
        }
      }
    }
  }
  for (const extractor of input.extractors) {
    if (extractor.deletes && extractor.kinds.some((kind) => kinds.has(kind))) addName(extractor.service, extractor.eventName);
  }

  // By event source, then name: `handles` runs on every record of an archive and builds no key.
  const handled = new Map<string, Set<string>>();
  for (const [service, set] of names) {
    const source = EVENT_SOURCES[service];
    const known = handled.get(source) ?? new Set<string>();
    for (const eventName of set) known.add(eventName);
    handled.set(source, known);
  }

  const readers = new Map<ReaderId, StateReader>();
  for (const reader of input.readers) readers.set(reader.id, reader);

  const sortedNames = new Map<Service, readonly string[]>(
    [...names.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([service, set]) => [service, [...set].sort()]),
  );

  return {
    kinds,
    rules,
    extractors: input.extractors,
    expanders,
    readers,
    handles: (eventSource, eventName) => handled.get(eventSource)?.has(eventName) === true,
    extractorsFor: (service, eventName) => extractorsByEvent.get(key(service, eventName)) ?? [],
    expandersFor: (service, eventName) => expandersByEvent.get(key(service, eventName)) ?? [],
    rulesFor: (kind, service, eventName) => rulesByTrigger.get(`${kind}\u0000${key(service, eventName)}`) ?? [],
    eventNames: () => sortedNames,
    requiredReaders: () => {
      // A rule spanning kinds (IAM.2: roles and Pod Identity associations) only needs, in this
      // scope, the readers for the kinds evaluated here. Tags readers serve exemptions.
      const needed = new Set<ReaderId>();
      for (const rule of rules) {
        const spansOtherFunctions = rule.resourceKinds.some((kind) => !kinds.has(kind));
        for (const id of rule.reads) {
          const reader = readers.get(id);
          // An unbundled reader of a rule spanning functions serves the other function's kinds.
          if (reader ? kinds.has(reader.kind) : !spansOtherFunctions) needed.add(id);
        }
      }
      for (const kind of kinds) {
        const tagsReader = KINDS[kind].tagsReader;
        if (tagsReader && rules.some((rule) => rule.resourceKinds.includes(kind))) needed.add(tagsReader);
      }
      return [...needed].sort();
    },
    requiredActions() {
      const actions = new Set<string>();
      for (const id of this.requiredReaders()) {
        const reader = readers.get(id);
        if (!reader) throw new Error(`reader ${id} is declared by a rule but not registered`);
        for (const action of reader.actions) actions.add(action);
      }
      for (const expander of expanders) for (const action of expander.actions) actions.add(action);
      return [...actions].sort();
    },
  };
}
