/**
 * A rule is a typed, pure object: metadata, triggers, the live readers it may ask for, and
 * `evaluate(subject) → evaluation`. Rules never call AWS and never see the raw event.
 */
import type { VigilConfig } from '../config.ts';
import type { ResourceKind, Service, Severity } from '../model.ts';
import type { ReaderId, Subject } from '../state/types.ts';

export type RuleId = string;

/** CloudTrail calls that can change a rule's outcome. They generate the EventBridge patterns. */
export interface Trigger {
  service: Service;
  eventNames: readonly string[];
}

export interface RuleContext {
  config: VigilConfig;
}

export type Evaluation =
  | {
      status: 'PASSED' | 'FAILED';
      /** One sentence naming the service and resource and what is wrong (or right). */
      summary: string;
      /** Overrides the rule's default severity for this verdict (e.g. IAM.1 wildcard → HIGH). */
      severity?: Severity;
      /** Small, JSON-able facts behind the verdict; they become `ProductFields` (vigil/evidence/*). */
      evidence?: Readonly<Record<string, string>>;
    }
  /** The rule does not apply to this resource (e.g. IAM.1 on a role no OIDC provider trusts). */
  | { status: 'NOT_APPLICABLE'; summary: string }
  /** The state lacks what the rule needs: the pipeline runs these readers and evaluates again. */
  | { status: 'NEEDS'; readers: readonly ReaderId[]; why: string }
  /**
   * The change did not touch what the rule judges (a logging-only UpdateClusterConfig for
   * EKS.1): its finding stands as it is; nothing is written and nothing is read.
   */
  | { status: 'UNAFFECTED'; why: string };

export interface RuleMetadata {
  id: RuleId;
  /** States the compliant condition: "EKS cluster endpoint is not open to the internet". */
  title: string;
  severity: Severity;
  /** What the rule checks and why it matters (the risk). */
  description: string;
  recommendation: { text: string; url: string };
  /** Where in the guidance the rule comes from (the seed document and section). */
  source: string;
}

export interface Rule<K extends ResourceKind = ResourceKind> extends RuleMetadata {
  resourceKinds: readonly K[];
  triggers: readonly Trigger[];
  /** Every live reader `evaluate` may ask for. Used for least-privilege IAM and the docs. */
  reads: readonly ReaderId[];
  evaluate(subject: Subject<K>, context: RuleContext): Evaluation;
}

/** Helper that keeps a rule's `K` inferred from `resourceKinds`. */
export function defineRule<K extends ResourceKind>(rule: Rule<K>): Rule<K> {
  return rule;
}

/**
 * A rule of any kind, as the registry holds it. `evaluate` is declared with method syntax, so a
 * `Rule<'eks-cluster'>` is assignable here; the pipeline only hands a rule subjects of its kinds.
 */
export type AnyRule = Rule<ResourceKind>;
