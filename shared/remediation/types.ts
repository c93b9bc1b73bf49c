/**
 * A remediation is a typed object next to its rule's id: the IAM permissions it needs, an
 * optional live inspection, a pure `plan` (the exact SDK calls, so a dry run can print them and
 * tests can assert them) and `apply`, which makes those calls. The remediator
 * (`remediator.ts`) owns every guard; a remediation only knows how to repair.
 */
import type {
  CreateLaunchTemplateVersionCommandInput,
  ModifyLaunchTemplateCommandInput,
} from '@aws-sdk/client-ec2';
import type {
  AssociateEncryptionConfigCommandInput,
  DisassociateAccessPolicyCommandInput,
  UpdateAddonCommandInput,
  UpdateClusterConfigCommandInput,
} from '@aws-sdk/client-eks';
import type { DetachRolePolicyCommandInput } from '@aws-sdk/client-iam';
import type { RemediableRuleId, VigilConfig } from '../config.ts';
import type { ResourceKind } from '../model.ts';
import type { AwsClients, ReaderId, StateOf, Subject, Tags } from '../state/types.ts';

/**
 * One IAM policy statement's worth of permission. Resources may hold the placeholders
 * `${partition}`, `${region}` and `${account}` (the remediator's own), resolved by
 * `remediatorPolicy` (see `catalog.ts`).
 */
export interface Permission {
  actions: readonly string[];
  resources: readonly string[];
  /** An IAM `Condition` block, narrowing the grant further where the service supports it. */
  condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** Every write call a remediation may make, with the SDK's own input type. */
export type RemediationCall =
  | { service: 'ec2'; command: 'CreateLaunchTemplateVersion'; input: CreateLaunchTemplateVersionCommandInput }
  | { service: 'ec2'; command: 'ModifyLaunchTemplate'; input: ModifyLaunchTemplateCommandInput }
  | { service: 'eks'; command: 'UpdateClusterConfig'; input: UpdateClusterConfigCommandInput }
  | { service: 'eks'; command: 'AssociateEncryptionConfig'; input: AssociateEncryptionConfigCommandInput }
  | { service: 'eks'; command: 'DisassociateAccessPolicy'; input: DisassociateAccessPolicyCommandInput }
  | { service: 'eks'; command: 'UpdateAddon'; input: UpdateAddonCommandInput }
  | { service: 'iam'; command: 'DetachRolePolicy'; input: DetachRolePolicyCommandInput };

export type Values = Readonly<Record<string, unknown>>;

export type Plan =
  | {
      status: 'PLANNED';
      calls: readonly RemediationCall[];
      /** One sentence: what the calls change, for the finding note and the log line. */
      summary: string;
      /** The values the calls change, as they are now and as they will be. */
      before: Values;
      after: Values;
    }
  /** The violation is real but this remediation must not touch it (the reason says why). */
  | { status: 'NOT_REMEDIABLE'; reason: string };

export type PlannedRemediation = Extract<Plan, { status: 'PLANNED' }>;

export interface PlanContext<F> {
  /** Idempotency token derived from (eventId, ruleId): the same delivery twice makes one change. */
  token: string;
  /** What `inspect` found beyond the rule's state. */
  facts: F;
  /**
   * Rules whose fix this plan makes too, beyond its own: opted-in rules of the same `group` that
   * also fail on the live state (LT.1 and LT.2 share one new launch-template version).
   */
  alsoFixes: ReadonlySet<RemediableRuleId>;
}

/** What `apply` did: the calls as sent (with values known only then) and the values after. */
export interface Applied {
  calls: readonly RemediationCall[];
  after: Values;
  /** Replaces the plan's summary when the calls found the work already done. */
  summary?: string;
}

export type Inspection<K extends ResourceKind, F> =
  | { found: false }
  | {
      found: true;
      /** Live state, laid over the resource's identity before the rule judges it. */
      state: Partial<StateOf<K>>;
      facts: F;
      /** Tags that decide exemption for kinds whose state has none (an access policy: its access entry's). */
      tags?: Tags;
    };

export interface Remediation<K extends ResourceKind = ResourceKind, F = undefined> {
  ruleId: RemediableRuleId;
  kind: K;
  /** What it changes, one paragraph (docs, dry-run notes). */
  description: string;
  /** Every IAM action `inspect` and `apply` perform, scoped to the resources they touch. */
  permissions: readonly Permission[];
  /**
   * The permissions narrowed to the configuration (a configured KMS key instead of every key),
   * for `remediatorPolicy`. Each must fall within `permissions`. Absent: `permissions` as they are.
   */
  configuredPermissions?(config: VigilConfig): readonly Permission[];
  /** Remediations of one group repair together (see `PlanContext.alsoFixes`). */
  group?: string;
  /**
   * Registered readers run before the rule judges the resource again. A rule may decide from the
   * event alone and declare no reads (EKS.4); the re-read must not: it starts from identities only.
   */
  reads?: readonly ReaderId[];
  /**
   * Live reads the plan needs beyond what the rule's readers give (raw values to keep as they
   * are). Absent: the rule's readers alone fill the state.
   */
  inspect?(subject: Subject<K>, aws: AwsClients): Promise<Inspection<K, F>>;
  /** Why the resource cannot take a change right now (an EKS update in progress), if so. */
  busy?(subject: Subject<K>, facts: F): string | undefined;
  /** The exact calls. Pure. */
  plan(subject: Subject<K>, config: VigilConfig, context: PlanContext<F>): Plan;
  apply(plan: PlannedRemediation, subject: Subject<K>, aws: AwsClients): Promise<Applied>;
}

/**
 * A remediation of any kind, as the catalogue holds it. The methods are declared with method
 * syntax, so a `Remediation<'eks-cluster', Facts>` is assignable here; the remediator only hands
 * a remediation subjects of its kind, with the facts its own `inspect` returned.
 */
export type AnyRemediation = Remediation<ResourceKind, unknown>;
