/**
 * What policies mean, decided once for every rule: which grants are admin-equivalent, which
 * trust statements let an EKS workload (or anyone) assume a role, and what a role is used for.
 * Everything here works on normalised documents (`parsePolicyDocument`), so spelling variants
 * (string or array, object or array Statement, action case) cannot change a verdict.
 */
import type { RoleUse } from '../state/types.ts';
import type { PolicyDocument, PolicyStatement, Principal } from './document.ts';
import { type Budget, coversLanguage, globMatches, hasWildcard, intersectsLanguage, type Part, QUESTION_BUDGET } from './glob.ts';

// ---------------------------------------------------------------------------------------------
// Admin-equivalent permissions (IAM.3, EMR.1)

/** AWS-managed policies that are admin-equivalent by themselves (catalogue IAM.3). */
export const ADMIN_MANAGED_POLICY_NAMES = ['AdministratorAccess', 'PowerUserAccess', 'IAMFullAccess'] as const;

const AWS_MANAGED_POLICY = /^arn:[a-z0-9-]+:iam::aws:policy\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;

/** The name of an AWS-managed policy ARN (any partition, any path), else `undefined`. */
export function awsManagedPolicyName(policyArn: string): string | undefined {
  return AWS_MANAGED_POLICY.exec(policyArn)?.[1];
}

/** The services whose wildcard grant the catalogue calls admin-equivalent (besides `*`). */
const ADMIN_SERVICES = ['iam', 'sts'] as const;
type AdminService = (typeof ADMIN_SERVICES)[number];

const ALL_ACTIONS: readonly Part[] = [{ any: 'field' }, { literal: ':' }, { any: 'one-or-more' }];

function actionsOf(service: string): Part[] {
  return [{ literal: `${service}:` }, { any: 'one-or-more' }];
}

/** Every ARN of `service` in any partition, region and account (sts acts on IAM roles). */
function resourcesOf(service: string): Part[] {
  return [
    { literal: 'arn:' },
    { any: 'field' },
    { literal: `:${service}:` },
    { any: 'field-or-empty' },
    { literal: ':' },
    { any: 'field-or-empty' },
    { literal: ':' },
    { any: 'one-or-more' },
  ];
}

/**
 * Whether a resource pattern list reaches every resource of `service` in some account.
 * `whenUndecided`: the answer for a pattern list too costly to decide (the caller's safe side).
 */
function coversServiceResources(patterns: readonly string[], service: string, whenUndecided: boolean, budget: Budget): boolean {
  if (coversLanguage(patterns, resourcesOf(service), { caseInsensitive: false, whenUndecided, budget })) return true;
  // `arn:aws:iam::111122223333:*` names one account but still every IAM resource in it.
  return patterns.some((pattern) => {
    const fields = pattern.split(':');
    if (fields.length < 6) return false;
    return (
      globMatches(fields[0] as string, 'arn', false) &&
      globMatches(fields[2] as string, service, false) &&
      coversLanguage([fields.slice(5).join(':')], [{ any: 'one-or-more' }], { caseInsensitive: false, whenUndecided, budget })
    );
  });
}

function intersectsServiceResources(patterns: readonly string[], service: string, whenUndecided: boolean, budget: Budget): boolean {
  return (
    intersectsLanguage(patterns, resourcesOf(service), { caseInsensitive: false, whenUndecided, budget }) ||
    patterns.some((pattern) => coversServiceResources([pattern], service, whenUndecided, budget))
  );
}

/** Resources that an admin grant on `service` acts on: sts's actions act on IAM roles. */
function resourceServiceOf(service: AdminService): string {
  return service === 'sts' ? 'iam' : service;
}

// Undecidable-in-budget questions are answered on the safe side: an Allow is taken to grant,
// a Deny is taken not to cancel.

/** For Allow: whether the statement's actions reach every action of the target service. */
function actionsCover(statement: PolicyStatement, target: readonly Part[], budget: Budget): boolean {
  if (statement.Action) return coversLanguage(statement.Action, target, { whenUndecided: true, budget });
  // NotAction grants everything it does not list: any action of the service left out counts.
  if (statement.NotAction) return !coversLanguage(statement.NotAction, target, { whenUndecided: false, budget });
  return false;
}

/** For Deny: whether the statement denies every action of the target. */
function deniesAllOf(statement: PolicyStatement, target: readonly Part[], budget: Budget): boolean {
  if (statement.Action) return coversLanguage(statement.Action, target, { whenUndecided: false, budget });
  if (statement.NotAction) return !intersectsLanguage(statement.NotAction, target, { whenUndecided: true, budget });
  return false;
}

function resourcesCover(statement: PolicyStatement, service: string, mode: 'allow' | 'deny', budget: Budget): boolean {
  const allow = mode === 'allow';
  if (statement.Resource) return coversServiceResources(statement.Resource, service, allow, budget);
  if (statement.NotResource) {
    return allow
      ? !coversServiceResources(statement.NotResource, service, false, budget)
      : !intersectsServiceResources(statement.NotResource, service, true, budget);
  }
  return false;
}

/** Whether a statement has a Condition with at least one key (an empty `{}` constrains nothing). */
export function hasCondition(statement: PolicyStatement): boolean {
  return Object.values(statement.Condition ?? {}).some((block) => Object.keys(block).length > 0);
}

/** A pattern list for a sentence: findings have little room, so long lists are cut. */
function patternList(patterns: readonly string[] | undefined): string {
  const list = patterns ?? [];
  return list.length <= 5 ? list.join(', ') : `${list.slice(0, 5).join(', ')} and ${list.length - 5} more`;
}

function statementName(statement: PolicyStatement, index: number): string {
  return statement.Sid ? `statement "${statement.Sid}"` : `statement ${index + 1}`;
}

/** Automaton states one `adminGrants` call may visit (see `Budget`). */
const ADMIN_ANALYSIS_BUDGET = 3 * QUESTION_BUDGET;

export interface AdminGrantsInput {
  attachedPolicyArns: readonly string[];
  documents: readonly PolicyDocument[];
  /** How reasons name each document (same order as `documents`), e.g. `inline policy s3-access`. */
  labels?: readonly string[];
}

/**
 * Why the permissions are admin-equivalent, one human sentence fragment per grant; empty when
 * none. A Deny without a condition that denies the same actions on the same resources cancels a
 * grant (a conditional Deny may not apply, so it never does). Conditions on an Allow do not save
 * it: they narrow when, not what.
 */
export function adminGrants(input: AdminGrantsInput): string[] {
  const reasons: string[] = [];
  for (const policyArn of input.attachedPolicyArns) {
    const name = awsManagedPolicyName(policyArn);
    if (name && (ADMIN_MANAGED_POLICY_NAMES as readonly string[]).includes(name)) reasons.push(`AWS managed policy ${name} is attached`);
  }

  // One budget for the whole analysis: a crafted policy costs a bounded time, whatever its size.
  const budget: Budget = { states: ADMIN_ANALYSIS_BUDGET };
  const statements = input.documents.flatMap((document, documentIndex) =>
    document.Statement.map((statement, index) => ({ statement, index, label: input.labels?.[documentIndex] ?? `policy document ${documentIndex + 1}` })),
  );
  const denies = statements.filter(({ statement }) => statement.Effect === 'Deny' && !hasCondition(statement)).map(({ statement }) => statement);
  const denied = (service: AdminService) =>
    denies.some((statement) => deniesAllOf(statement, actionsOf(service), budget) && resourcesCover(statement, resourceServiceOf(service), 'deny', budget));
  const deniedServices = new Set(ADMIN_SERVICES.filter(denied));

  for (const { statement, index, label } of statements) {
    if (statement.Effect !== 'Allow') continue;
    const granted = ADMIN_SERVICES.filter(
      (service) =>
        !deniedServices.has(service) && actionsCover(statement, actionsOf(service), budget) && resourcesCover(statement, resourceServiceOf(service), 'allow', budget),
    );
    if (granted.length === 0) continue;
    const where = `${label} ${statementName(statement, index)}`;
    const on = 'on every resource';
    if (statement.NotAction) {
      reasons.push(`${where} allows every action except ${patternList(statement.NotAction)} ${on}, including ${granted.map((service) => `${service} actions`).join(' and ')}`);
    } else if (granted.length === ADMIN_SERVICES.length && coversLanguage(statement.Action ?? [], ALL_ACTIONS, { whenUndecided: false, budget })) {
      reasons.push(`${where} allows every action (${patternList(statement.Action)}) ${on}`);
    } else {
      reasons.push(`${where} allows ${granted.map((service) => `${service}:*`).join(' and ')} (${patternList(statement.Action)}) ${on}`);
    }
  }
  return reasons;
}

/** Whether a statement's actions include `action` (Action patterns, or not excluded by NotAction). */
export function allowsAction(statement: PolicyStatement, action: string): boolean {
  if (statement.Action) return statement.Action.some((pattern) => globMatches(pattern, action));
  if (statement.NotAction) return !statement.NotAction.some((pattern) => globMatches(pattern, action));
  return false;
}

// ---------------------------------------------------------------------------------------------
// Trust policies (IAM.1, IAM.2, IAM.6) and role use

const EKS_OIDC_PROVIDER = /^arn:[a-z0-9-]+:iam::(\d{12}):oidc-provider\/(oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/id\/[A-Za-z0-9]+)$/i;

/** The issuer (host and path, no `https://`) of an EKS OIDC provider ARN, else `undefined`. */
export function eksOidcIssuerOf(providerArn: string): string | undefined {
  return EKS_OIDC_PROVIDER.exec(providerArn)?.[2];
}

/** A statement's condition operator without `ForAnyValue:`/`ForAllValues:` and `IfExists`, lower-cased. */
function baseOperator(operator: string): string {
  return operator
    .replace(/^for(anyvalue|allvalues):/i, '')
    .replace(/ifexists$/i, '')
    .toLowerCase();
}

/** Operators that bind a string key to the listed values (negated operators bind nothing). */
const BINDING_OPERATORS = new Set(['stringequals', 'stringequalsignorecase', 'stringlike']);

export interface ConditionValues {
  /** The operators as written, e.g. `StringLike`. */
  operators: string[];
  /** Values of the most restrictive binding operator (`StringEquals*` beats `StringLike`). */
  values: string[];
  /** Some value is a pattern (`StringLike` with `*` or `?`). */
  wildcard: boolean;
  /** The match ignores case (`StringEqualsIgnoreCase`). */
  ignoreCase: boolean;
}

/**
 * The binding condition on `key` (case-insensitive, as IAM compares condition keys) in a
 * statement, or `null` when no binding operator names it. IAM ANDs operators, so when both an
 * exact and a pattern operator bind the key, the exact values are what the statement allows.
 */
export function conditionValues(statement: PolicyStatement, key: string): ConditionValues | null {
  const wanted = key.toLowerCase();
  const exact: { operator: string; values: string[]; ignoreCase: boolean }[] = [];
  const patterns: { operator: string; values: string[] }[] = [];
  for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
    const base = baseOperator(operator);
    if (!BINDING_OPERATORS.has(base)) continue;
    for (const [conditionKey, values] of Object.entries(block)) {
      if (conditionKey.toLowerCase() !== wanted) continue;
      if (base === 'stringlike') patterns.push({ operator, values: [...values] });
      else exact.push({ operator, values: [...values], ignoreCase: base === 'stringequalsignorecase' });
    }
  }
  const first = exact[0];
  if (first) {
    return { operators: exact.map((entry) => entry.operator), values: first.values, wildcard: false, ignoreCase: first.ignoreCase };
  }
  if (patterns.length > 0) {
    const values = patterns.flatMap((entry) => entry.values);
    return { operators: patterns.map((entry) => entry.operator), values, wildcard: values.some(hasWildcard), ignoreCase: false };
  }
  return null;
}

/** One (statement, EKS OIDC provider) pair that lets a Kubernetes service account assume the role. */
export interface WebIdentityTrust {
  statementIndex: number;
  sid?: string;
  providerArn: string;
  /** Issuer host and path, as condition keys spell it. */
  issuer: string;
  /** The statement has a Condition of any kind. */
  hasCondition: boolean;
  /** `<issuer>:sub` binding, `null` when no binding condition names it (any service account). */
  sub: ConditionValues | null;
  /** `<issuer>:aud` binding, `null` when absent. */
  aud: ConditionValues | null;
}

function principalValues(principal: Principal | undefined, type: string): string[] {
  if (principal === undefined || principal === '*') return [];
  const wanted = type.toLowerCase();
  return Object.entries(principal).flatMap(([key, values]) => (key.toLowerCase() === wanted ? [...values] : []));
}

/**
 * Answers per trust policy document. Every IAM rule asks (through the role's uses) on every round
 * of reads, and documents are never changed once parsed, so one analysis serves them all.
 */
const webIdentityTrustsOf = new WeakMap<PolicyDocument, readonly WebIdentityTrust[]>();

/** IRSA trust: Allow statements for `sts:AssumeRoleWithWebIdentity` from an EKS OIDC provider. */
export function eksWebIdentityTrusts(trust: PolicyDocument): readonly WebIdentityTrust[] {
  const known = webIdentityTrustsOf.get(trust);
  if (known) return known;
  const trusts = analyseWebIdentityTrusts(trust);
  // Shared by every caller: frozen, so that none can change what the others see.
  for (const entry of trusts) {
    for (const binding of [entry.sub, entry.aud]) {
      if (!binding) continue;
      Object.freeze(binding.operators);
      Object.freeze(binding.values);
      Object.freeze(binding);
    }
    Object.freeze(entry);
  }
  webIdentityTrustsOf.set(trust, Object.freeze(trusts));
  return trusts;
}

function analyseWebIdentityTrusts(trust: PolicyDocument): WebIdentityTrust[] {
  const trusts: WebIdentityTrust[] = [];
  trust.Statement.forEach((statement, statementIndex) => {
    if (statement.Effect !== 'Allow' || !allowsAction(statement, 'sts:AssumeRoleWithWebIdentity')) return;
    for (const providerArn of principalValues(statement.Principal, 'Federated')) {
      const issuer = eksOidcIssuerOf(providerArn);
      if (!issuer) continue;
      trusts.push({
        statementIndex,
        ...(statement.Sid ? { sid: statement.Sid } : {}),
        providerArn,
        issuer,
        hasCondition: hasCondition(statement),
        sub: conditionValues(statement, `${issuer}:sub`),
        aud: conditionValues(statement, `${issuer}:aud`),
      });
    }
  });
  return trusts;
}

export const STS_AUDIENCE = 'sts.amazonaws.com';

/** Whether the `aud` binding pins the token audience (no wildcard value). */
export function audienceBound(trust: WebIdentityTrust): boolean {
  return trust.aud !== null && !trust.aud.wildcard && trust.aud.values.length > 0;
}

const SERVICE_ACCOUNT_SUB = /^system:serviceaccount:([^:]+):([^:]+)$/;

/** `{namespace, name}` of a `system:serviceaccount:<ns>:<name>` subject. */
export function serviceAccountOf(sub: string): { namespace: string; name: string } | undefined {
  const match = SERVICE_ACCOUNT_SUB.exec(sub);
  return match ? { namespace: match[1] as string, name: match[2] as string } : undefined;
}

/**
 * The EMR on EKS pattern `system:serviceaccount:<ns>:emr-containers-sa-*` (as written by
 * `aws emr-containers update-role-trust-policy`), with one literal namespace: the job's service
 * accounts are generated, so EMR documents this wildcard; any other wildcard is not bound.
 */
export function isEmrServiceAccountPattern(value: string): boolean {
  const account = serviceAccountOf(value);
  if (!account || hasWildcard(account.namespace)) return false;
  return /^emr-containers-sa-[A-Za-z0-9*?.-]*$/.test(account.name) && account.name.length > 'emr-containers-sa-'.length;
}

/** Whether a sub binding admits some namespace's `default` service account. */
export function admitsDefaultServiceAccount(sub: ConditionValues): string[] {
  const target: Part[] = [{ literal: 'system:serviceaccount:' }, { any: 'field' }, { literal: ':default' }];
  return sub.values.filter((value) =>
    sub.wildcard && hasWildcard(value) ? intersectsLanguage([value], target, { caseInsensitive: false, whenUndecided: true }) : serviceAccountOf(sub.ignoreCase ? value.toLowerCase() : value)?.name === 'default',
  );
}

/** Whether a principal is anyone: `"*"`, or `*` under any principal type (`{"AWS": "*"}`). */
export function isWildcardPrincipal(principal: Principal | undefined): boolean {
  if (principal === undefined) return false;
  if (principal === '*') return true;
  return Object.values(principal).some((values) => values.includes('*'));
}

export const ASSUME_ACTIONS = ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity', 'sts:AssumeRoleWithSAML'] as const;

export interface OpenTrust {
  statementIndex: number;
  sid?: string;
  hasCondition: boolean;
  /** Which spelling opened it: `Principal "*"`, `Principal {"AWS": "*"}`, `NotPrincipal`. */
  how: string;
}

/**
 * Allow statements that let any principal assume the role: a wildcard principal, or a
 * NotPrincipal (an Allow for everyone except the listed principals).
 */
export function openTrustStatements(trust: PolicyDocument): OpenTrust[] {
  const open: OpenTrust[] = [];
  trust.Statement.forEach((statement, statementIndex) => {
    if (statement.Effect !== 'Allow' || !ASSUME_ACTIONS.some((action) => allowsAction(statement, action))) return;
    let how: string | undefined;
    if (statement.Principal === '*') how = 'Principal "*"';
    else if (isWildcardPrincipal(statement.Principal)) {
      const types = Object.entries(statement.Principal ?? {})
        .filter(([, values]) => values.includes('*'))
        .map(([type]) => type);
      how = `Principal {"${types.join('", "')}": "*"}`;
    } else if (statement.NotPrincipal !== undefined) how = 'NotPrincipal';
    if (!how) return;
    open.push({ statementIndex, ...(statement.Sid ? { sid: statement.Sid } : {}), hasCondition: hasCondition(statement), how });
  });
  return open;
}

/** Whether an Allow statement lets `service` (a service principal) assume the role. */
export function trustsServicePrincipal(trust: PolicyDocument, service: string): boolean {
  const wanted = [service.toLowerCase(), `${service.toLowerCase()}.cn`];
  return trust.Statement.some(
    (statement) =>
      statement.Effect === 'Allow' &&
      allowsAction(statement, 'sts:AssumeRole') &&
      principalValues(statement.Principal, 'Service').some((value) => wanted.includes(value.toLowerCase())),
  );
}

export const POD_IDENTITY_SERVICE = 'pods.eks.amazonaws.com';
export const EC2_SERVICE = 'ec2.amazonaws.com';

/** Worker-node policies that mark an EC2-trusted role as an EKS node role. */
export const NODE_MARKER_POLICY_NAMES = ['AmazonEKSWorkerNodePolicy', 'AmazonEKSWorkerNodeMinimalPolicy'] as const;

/**
 * What a role is used for, from its trust policy (and, for node roles, its attached policies:
 * `ec2.amazonaws.com` trust alone marks any instance role, so an EKS node role is one that also
 * carries a worker-node policy). `attachedPolicyArns` undefined: node use cannot be told.
 */
export function roleUsesFromTrust(trust: PolicyDocument, attachedPolicyArns?: readonly string[]): RoleUse[] {
  const uses: RoleUse[] = [];
  const webIdentity = eksWebIdentityTrusts(trust);
  if (webIdentity.length > 0) uses.push('irsa');
  if (webIdentity.some((entry) => entry.sub?.values.some(isEmrServiceAccountPattern))) uses.push('emr-execution');
  if (trustsServicePrincipal(trust, POD_IDENTITY_SERVICE)) uses.push('pod-identity');
  if (
    trustsServicePrincipal(trust, EC2_SERVICE) &&
    attachedPolicyArns?.some((arn) => (NODE_MARKER_POLICY_NAMES as readonly string[]).includes(awsManagedPolicyName(arn) ?? ''))
  ) {
    uses.push('node');
  }
  return uses;
}
