/**
 * The remediation catalogue: one remediation per opt-in rule, and the IAM permissions the
 * remediating Lambda needs for each. The remediator's role is generated from these, granting only
 * the opted-in rules' permissions (`remediatorPolicy`): no opted-in rule, no remediator.
 *
 * A rule's permissions are its remediation's own (write calls and its `inspect` reads), the
 * rule's live readers of the remediated kind and that kind's tags reader (the re-read before
 * acting), and the finding note (BatchUpdateFindings).
 */
import { REMEDIABLE_RULES, type RemediableRuleId, type VigilConfig } from '../config.ts';
import { RULES } from '../rules/index.ts';
import { ALL_READERS } from '../sources/readers.ts';
import { KINDS } from '../state/kinds.ts';
import type { StateReader } from '../state/types.ts';
import { eks1Remediation } from './eks-1.ts';
import { eks2Remediation } from './eks-2.ts';
import { eks3Remediation } from './eks-3.ts';
import { eks4Remediation } from './eks-4.ts';
import { eks6Remediation } from './eks-6.ts';
import { eks8Remediation } from './eks-8.ts';
import { iam3Remediation } from './iam-3.ts';
import { lt1Remediation } from './lt-1.ts';
import { lt2Remediation } from './lt-2.ts';
import type { AnyRemediation, Permission } from './types.ts';

export const REMEDIATIONS: Readonly<Record<RemediableRuleId, AnyRemediation>> = {
  'LT.1': lt1Remediation,
  'LT.2': lt2Remediation,
  'EKS.1': eks1Remediation,
  'EKS.2': eks2Remediation,
  'EKS.3': eks3Remediation,
  'EKS.4': eks4Remediation,
  'EKS.6': eks6Remediation,
  'EKS.8': eks8Remediation,
  'IAM.3': iam3Remediation,
};

/** Every finding's note goes through Security Hub in the remediator's own region and account. */
export const AUDIT_PERMISSION: Permission = {
  actions: ['securityhub:BatchUpdateFindings'],
  resources: ['arn:${partition}:securityhub:${region}:${account}:hub/default'],
};

/**
 * Resources of the read actions Vigil's readers perform, where the service scopes them (EC2
 * Describe calls and the account defaults take none: `*`).
 */
const READ_RESOURCES: Readonly<Record<string, readonly string[]>> = {
  'eks:DescribeCluster': ['arn:${partition}:eks:${region}:${account}:cluster/*'],
  'eks:DescribeAddon': ['arn:${partition}:eks:${region}:${account}:addon/*'],
  'eks:DescribeNodegroup': ['arn:${partition}:eks:${region}:${account}:nodegroup/*'],
  'iam:GetRole': ['arn:${partition}:iam::${account}:role/*'],
  'iam:GetRolePolicy': ['arn:${partition}:iam::${account}:role/*'],
  'iam:ListAttachedRolePolicies': ['arn:${partition}:iam::${account}:role/*'],
  'iam:ListRolePolicies': ['arn:${partition}:iam::${account}:role/*'],
  'iam:ListInstanceProfilesForRole': ['arn:${partition}:iam::${account}:role/*'],
  'iam:GetPolicy': ['arn:${partition}:iam::${account}:policy/*'],
  'iam:GetPolicyVersion': ['arn:${partition}:iam::${account}:policy/*'],
};

/** One statement per resource set, actions sorted. */
function readPermissions(actions: Iterable<string>): Permission[] {
  const byResources = new Map<string, { resources: readonly string[]; actions: Set<string> }>();
  for (const action of actions) {
    const resources = READ_RESOURCES[action] ?? ['*'];
    const key = resources.join('\u0000');
    const entry = byResources.get(key) ?? { resources, actions: new Set<string>() };
    entry.actions.add(action);
    byResources.set(key, entry);
  }
  return [...byResources.values()]
    .map((entry) => ({ actions: [...entry.actions].sort(), resources: entry.resources }))
    .sort((a, b) => (a.actions[0] ?? '').localeCompare(b.actions[0] ?? ''));
}

/** The reader actions the re-read of a rule's resources may need. Throws on a reader not registered. */
export function readActionsOf(ruleId: RemediableRuleId, readers: readonly StateReader[] = ALL_READERS, rules = RULES): string[] {
  const remediation = REMEDIATIONS[ruleId];
  const rule = rules.find((candidate) => candidate.id === ruleId);
  const byId = new Map(readers.map((reader) => [reader.id, reader]));
  const ids = new Set<string>([...(rule?.reads ?? []), ...(remediation.reads ?? [])]);
  const tagsReader = KINDS[remediation.kind].tagsReader;
  if (tagsReader) ids.add(tagsReader);
  const actions = new Set<string>();
  for (const id of ids) {
    const reader = byId.get(id);
    if (!reader) throw new Error(`${ruleId}: reader ${id} is not registered`);
    // Readers of other kinds fill other subjects; the re-read judges only the remediated one.
    if (reader.kind !== remediation.kind) continue;
    for (const action of reader.actions) actions.add(action);
  }
  return [...actions].sort();
}

function permissionsOf(ruleId: RemediableRuleId, own: readonly Permission[]): readonly Permission[] {
  return [...own, ...readPermissions(readActionsOf(ruleId)), AUDIT_PERMISSION];
}

/** What each rule's remediation needs, with `${partition}`, `${region}` and `${account}` placeholders. */
export const REMEDIATION_PERMISSIONS: Readonly<Record<RemediableRuleId, readonly Permission[]>> = Object.fromEntries(
  REMEDIABLE_RULES.map((ruleId) => [ruleId, permissionsOf(ruleId, REMEDIATIONS[ruleId].permissions)]),
) as Record<RemediableRuleId, readonly Permission[]>;

export interface Place {
  partition: string;
  region: string;
  account: string;
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

function resolve(text: string, place: Place): string {
  return text.replaceAll('${partition}', place.partition).replaceAll('${region}', place.region).replaceAll('${account}', place.account);
}

function resolveCondition(condition: Permission['condition'], place: Place): PolicyStatement['Condition'] {
  if (!condition) return undefined;
  const resolved: Record<string, Record<string, string | string[]>> = {};
  for (const [operator, keys] of Object.entries(condition)) {
    resolved[operator] = {};
    for (const [key, value] of Object.entries(keys)) {
      resolved[operator][key] = typeof value === 'string' ? resolve(value, place) : value.map((item) => resolve(item, place));
    }
  }
  return resolved;
}

/**
 * The remediator role's policy for this configuration: the opted-in rules' permissions only,
 * narrowed to the configuration where a remediation can (the configured KMS key), placeholders
 * filled from `place` (CloudFormation: `${AWS::Partition}` etc. inside `Fn::Sub`). `undefined`
 * when no rule is opted in: then there is nothing to deploy.
 */
export function remediatorPolicy(config: VigilConfig, place: Place): PolicyDocument | undefined {
  const rules = [...new Set(config.remediation.enabledRules)].sort();
  if (rules.length === 0) return undefined;
  const merged = new Map<string, { resources: string[]; condition: PolicyStatement['Condition']; actions: Set<string> }>();
  for (const ruleId of rules) {
    const remediation = REMEDIATIONS[ruleId];
    const own = remediation.configuredPermissions?.(config) ?? remediation.permissions;
    for (const permission of permissionsOf(ruleId, own)) {
      const resources = permission.resources.map((resource) => resolve(resource, place));
      const condition = resolveCondition(permission.condition, place);
      const key = JSON.stringify([resources, condition ?? null]);
      const entry = merged.get(key) ?? { resources, condition, actions: new Set<string>() };
      for (const action of permission.actions) entry.actions.add(action);
      merged.set(key, entry);
    }
  }
  const statements = [...merged.values()]
    .map((entry) => ({ ...entry, actions: [...entry.actions].sort() }))
    .sort((a, b) => JSON.stringify([a.actions, a.resources]).localeCompare(JSON.stringify([b.actions, b.resources])));
  return {
    Version: '2012-10-17',
    Statement: statements.map((entry, index) => ({
      Sid: `VigilRemediation${index + 1}`,
      Effect: 'Allow',
      Action: entry.actions,
      Resource: entry.resources,
      ...(entry.condition ? { Condition: entry.condition } : {}),
    })),
  };
}

/** Per rule, what its remediation changes and the IAM actions it is granted (for docs/rules.md). */
export function remediationDocs(): Map<string, { summary: string; actions: readonly string[] }> {
  return new Map(
    REMEDIABLE_RULES.map((ruleId) => [
      ruleId,
      { summary: REMEDIATIONS[ruleId].description, actions: [...new Set(REMEDIATION_PERMISSIONS[ruleId].flatMap((permission) => permission.actions))].sort() },
    ]),
  );
}
