/**
 * The remediator's re-read: the resource as it is now, judged again by its rule, just before
 * acting. It starts from the resource's identity only (nothing the event said is trusted any
 * more), runs the remediation's up-front readers and its own `inspect`, then runs the rule with the
 * rule's own readers through the pipeline's `decide`, until it reaches a verdict.
 */
import type { VigilConfig } from '../config.ts';
import { describeError, isAccessDenied, isNotFound } from '../aws/clients.ts';
import type { ResourceKind } from '../model.ts';
import { decide, NotEvaluatedError } from '../pipeline/evaluate.ts';
import { mergeState } from '../pipeline/merge.ts';
import type { AnyRule, Evaluation } from '../rules/types.ts';
import { KINDS } from '../state/kinds.ts';
import type { AwsClients, ReaderId, StateReader, Subject, Tags } from '../state/types.ts';
import type { AnyRemediation } from './types.ts';

/** What identifies a resource of each kind in its state; everything else is read again. */
const IDENTITY: Readonly<Record<ResourceKind, readonly string[]>> = {
  'launch-template': ['launchTemplateId', 'launchTemplateName'],
  'eks-cluster': ['clusterName'],
  'eks-nodegroup': ['clusterName', 'nodegroupName'],
  'eks-addon': ['clusterName', 'addonName'],
  // The association is the (cluster, principal, policy) triple; its scope is read again by EKS.6's inspect.
  'eks-access-policy': ['clusterName', 'principalArn', 'policyArn', 'accessScope'],
  'eks-pod-identity': ['clusterName', 'associationId'],
  // What a role is used for follows from its trust policy and the events that named it; it is not a setting a change undoes.
  'iam-role': ['roleName', 'roleArn', 'uses'],
  'emr-virtual-cluster': ['virtualClusterId'],
  'emr-managed-endpoint': ['virtualClusterId', 'endpointId'],
  'emr-job-template': ['jobTemplateId'],
};

export function identityOf(subject: Subject): Subject {
  const state = subject.state as Readonly<Record<string, unknown>>;
  const kept: Record<string, unknown> = {};
  for (const key of IDENTITY[subject.kind]) if (state[key] !== undefined) kept[key] = state[key];
  return { kind: subject.kind, ref: subject.ref, state: kept } as Subject;
}

export type LiveVerdict =
  /** The resource no longer exists. */
  | { status: 'GONE' }
  /** The resource could not be judged (access denied, a rule error): acting would be a guess. */
  | { status: 'UNKNOWN'; reason: string }
  | {
      status: 'JUDGED';
      subject: Subject;
      evaluation: Exclude<Evaluation, { status: 'NEEDS' | 'UNAFFECTED' }>;
      facts: unknown;
      /** The tags that decide exemption; `undefined` when they could not be known. */
      tags: Tags | undefined;
    };

export interface LiveOptions {
  rule: AnyRule;
  remediation: AnyRemediation;
  config: VigilConfig;
  aws: AwsClients;
  readers: ReadonlyMap<ReaderId, StateReader>;
}

class Gone extends Error {}
class Unknown extends Error {}


/** Reads the resource now and judges it with its rule. Throws only for transient AWS errors. */
export async function judgeLive(subject: Subject, options: LiveOptions): Promise<LiveVerdict> {
  const { rule, remediation, config, aws, readers } = options;
  const identity = identityOf(subject);
  let state = identity.state as Record<string, unknown>;
  const current = (): Subject => ({ kind: identity.kind, ref: identity.ref, state }) as Subject;
  const guard = async <T>(what: string, read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      if (isNotFound(error)) throw new Gone();
      if (isAccessDenied(error)) throw new Unknown(`access denied on ${what}: ${describeError(error)}`);
      throw error;
    }
  };
  const runReader = async (id: ReaderId): Promise<void> => {
    const reader = readers.get(id);
    if (!reader) throw new Unknown(`reader ${id} is not available to the remediator`);
    if (reader.kind !== identity.kind) throw new Unknown(`reader ${id} reads ${reader.kind}, not ${identity.kind}`);
    const result = await guard(id, () => reader.read(current() as never, aws));
    if (!result.found) throw new Gone();
    // Live reads fill only what is unknown so far: the identity and `inspect`'s raw reads win.
    state = mergeState(result.state as Record<string, unknown>, state);
  };

  try {
    for (const id of remediation.reads ?? []) await runReader(id);
    let facts: unknown;
    let inspectedTags: Tags | undefined;
    const inspect = remediation.inspect?.bind(remediation);
    if (inspect) {
      const inspection = await guard(`${rule.id} inspection`, () => inspect(current(), aws));
      if (!inspection.found) throw new Gone();
      state = mergeState(state, inspection.state as Record<string, unknown>);
      facts = inspection.facts;
      inspectedTags = inspection.tags;
    }

    const ran = new Set<ReaderId>(remediation.reads);
    let evaluation: Awaited<ReturnType<typeof decide>>;
    try {
      evaluation = await decide(rule, {
        config,
        subjectOf: current,
        read: async (id) => {
          ran.add(id);
          await runReader(id);
        },
        live: true,
        alreadyRead: ran,
      });
    } catch (error) {
      if (error instanceof NotEvaluatedError) throw new Unknown(`rule ${rule.id}: ${error.message}`);
      throw error;
    }
    if (evaluation.status === 'UNAFFECTED') throw new Unknown(`rule ${rule.id} found nothing to judge in the live state: ${evaluation.why}`);

    let tags = inspectedTags ?? (state.tags as Tags | undefined);
    const tagsReader = KINDS[identity.kind].tagsReader;
    if (tags === undefined && tagsReader && !ran.has(tagsReader)) {
      await runReader(tagsReader);
      tags = state.tags as Tags | undefined;
    }
    return { status: 'JUDGED', subject: current(), evaluation, facts, tags };
  } catch (error) {
    if (error instanceof Gone) return { status: 'GONE' };
    if (error instanceof Unknown) return { status: 'UNKNOWN', reason: error.message };
    throw error;
  }
}
