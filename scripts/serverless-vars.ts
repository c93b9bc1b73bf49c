/**
 * osls variable resolvers (`${file(./scripts/serverless-vars.js):name}`; the `.js` shim exists
 * because osls loads only .js/.cjs variable files). They run at package time, offline, under the
 * Node 24 that npm/npx put on PATH, and compute only what depends on `vigil.config.json`; what
 * depends on the rules alone is read from the committed `generated/` files, after checking that
 * those still match the registry.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parseConfig, type VigilConfig } from '#shared/config.ts';
import { SERVICES, type Service } from '#shared/model.ts';
import { functionOfKind } from '#shared/registry.ts';
import { remediatorPolicy } from '#shared/remediation/catalog.ts';
import { REMEDIATION_EVENT_PATTERN } from '#shared/remediation/request.ts';
import { RULES } from '#shared/rules/index.ts';
import { type Cfn, deadLetterQueuePolicy, evaluatorIntake, evaluatorRole, PSEUDO_PARAMETERS, type QueueSettings, remediatorRole, roleLogicalId, type RuleTargetSettings } from './cloudformation.ts';
import { expectedFiles, FUNCTION_KEYS, type PatternsFile, type PermissionsFile } from './deployment-model.ts';

/** The remediating function's key in serverless.yml (it exists only when a rule is opted in). */
export const REMEDIATOR_KEY = 'remediate';

const ROOT = join(import.meta.dirname, '..');

/** What osls hands a resolver function. */
export interface ResolverContext {
  options: Readonly<Record<string, unknown>>;
  resolveConfigurationProperty(path: readonly string[]): Promise<unknown>;
  resolveVariable(variable: string): Promise<unknown>;
}

/**
 * osls prints a rejected resolver's stack; ours carries only the message, which says what to fix.
 */
export class PackagingError extends Error {
  override name = 'PackagingError';
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}

/** Lambda caps a function's environment at 4 KB (names and values); leave room for the others. */
const MAX_CONFIG_BYTES = 3500;

async function stringProperty(context: ResolverContext, path: readonly string[]): Promise<string> {
  const value = await context.resolveConfigurationProperty(path);
  if (typeof value !== 'string' || value === '') throw new PackagingError(`serverless.yml must set ${path.join('.')} (a string)`);
  return value;
}

async function numberProperty(context: ResolverContext, path: readonly string[]): Promise<number> {
  const value = await context.resolveConfigurationProperty(path);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new PackagingError(`serverless.yml must set ${path.join('.')} (a whole number)`);
  return value;
}

/** The configuration file (`custom.vigil.configFile`), validated by the same schema the Lambdas use. */
export async function loadConfig(context: ResolverContext): Promise<VigilConfig> {
  const file = await stringProperty(context, ['custom', 'vigil', 'configFile']);
  const path = isAbsolute(file) ? file : join(ROOT, file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new PackagingError(`cannot read the Vigil configuration ${file}: ${(error as Error).message}`);
  }
  try {
    return parseConfig(raw, file);
  } catch (error) {
    throw new PackagingError((error as Error).message);
  }
}

/** The configuration packaged: valid, and not contradicting itself about remediation. */
async function deployedConfig(context: ResolverContext): Promise<VigilConfig> {
  const config = await loadConfig(context);
  const offAndRemediated = config.remediation.enabledRules.filter((ruleId) => config.disabledRules.includes(ruleId));
  if (offAndRemediated.length > 0) {
    throw new PackagingError(`remediation.enabledRules lists ${offAndRemediated.join(', ')}, which disabledRules switches off: no finding would ever reach the remediator`);
  }
  return config;
}

/** `VIGIL_CONFIG`: the validated configuration with its defaults filled in, as compact JSON. */
export function configJson(config: VigilConfig): string {
  const json = JSON.stringify(config);
  if (Buffer.byteLength(json) > MAX_CONFIG_BYTES) {
    throw new PackagingError(`the Vigil configuration is ${Buffer.byteLength(json)} bytes as JSON; Lambda environments hold 4 KB in all (keep it under ${MAX_CONFIG_BYTES})`);
  }
  return json;
}

/** The evaluating functions that judge an opted-in rule (only they may put remediation requests). */
export function requestingServices(config: VigilConfig): ReadonlySet<Service> {
  const opted = new Set<string>(config.remediation.enabledRules);
  return new Set(RULES.filter((rule) => opted.has(rule.id)).flatMap((rule) => rule.resourceKinds.map((kind) => functionOfKind(kind))));
}

function remediationEnabled(config: VigilConfig): boolean {
  return config.remediation.enabledRules.length > 0;
}

/**
 * Every function's environment: `VIGIL_CONFIG`, the log level, and, when remediation is on,
 * `VIGIL_REMEDIATOR_ROLE_ARN` (evaluators recognise the remediator's own changes by it).
 */
export async function environment(context: ResolverContext): Promise<Record<string, unknown>> {
  const config = await deployedConfig(context);
  const logLevel = await stringProperty(context, ['custom', 'vigil', 'logLevel']);
  return {
    VIGIL_CONFIG: configJson(config),
    POWERTOOLS_LOG_LEVEL: logLevel,
    ...(remediationEnabled(config) ? { VIGIL_REMEDIATOR_ROLE_ARN: { 'Fn::GetAtt': [roleLogicalId(REMEDIATOR_KEY), 'Arn'] } } : {}),
  };
}

/**
 * The remediating function, or nothing. It exists only when a rule is opted in: no code, role or
 * rule that can change resources is deployed otherwise.
 */
export async function remediationFunctions(context: ResolverContext): Promise<Record<string, Cfn>> {
  const config = await deployedConfig(context);
  if (!remediationEnabled(config)) return {};
  const rulePrefix = await stringProperty(context, ['custom', 'vigil', 'rulePrefix']);
  const asyncInvoke = await context.resolveConfigurationProperty(['custom', 'vigil', 'asyncInvoke']);
  const ruleTarget = await context.resolveConfigurationProperty(['custom', 'vigil', 'ruleTarget']);
  return {
    [REMEDIATOR_KEY]: {
      handler: 'functions/remediate.handler',
      description: `Vigil remediator (opted in: ${[...config.remediation.enabledRules].sort().join(', ')}${config.remediation.dryRun ? '; dry run' : ''})`,
      role: roleLogicalId(REMEDIATOR_KEY),
      ...(asyncInvoke as Cfn),
      // Waits for a busy resource (an EKS update takes minutes) before handing the request back
      // to Lambda's retries: three attempts of up to 15 minutes each.
      timeout: 900,
      events: [
        {
          eventBridge: {
            name: `${rulePrefix}-${REMEDIATOR_KEY}`,
            description: 'Vigil remediation requests from the evaluating functions',
            pattern: REMEDIATION_EVENT_PATTERN,
            ...(ruleTarget as Cfn),
          },
        },
      ],
    },
  };
}

function readGenerated<T>(name: string): T {
  return JSON.parse(readFileSync(join(ROOT, 'generated', name), 'utf8')) as T;
}

/** Refuses to package from `generated/` files that no longer match the rules. */
export function assertGeneratedCurrent(): void {
  const stale = Object.entries(expectedFiles())
    .filter(([path]) => path.startsWith('generated/'))
    .filter(([path, content]) => {
      try {
        return readFileSync(join(ROOT, path), 'utf8') !== content;
      } catch {
        return true;
      }
    })
    .map(([path]) => path);
  if (stale.length > 0) {
    throw new PackagingError(`${stale.join(', ')} no longer match the rule registry: run \`npm run generate\` and commit the result`);
  }
}

/** What each evaluating function's rule says it receives (the rule's description). */
const RULE_SUBJECTS: Record<Service, string> = { iam: 'IAM', eks: 'EKS', ec2: 'launch template', 'emr-containers': 'EMR on EKS' };

/**
 * The queues' settings, from serverless.yml: visibility timeout six times the function timeout
 * (AWS guidance for SQS event sources: room for Lambda's own retries of a throttled batch) plus
 * the batching window, during which a message is already in flight.
 */
async function queueSettings(context: ResolverContext): Promise<QueueSettings> {
  const timeout = await numberProperty(context, ['provider', 'timeout']);
  const window = await numberProperty(context, ['custom', 'vigil', 'queueConsumer', 'maximumBatchingWindow']);
  return {
    visibilityTimeout: 6 * timeout + window,
    messageRetentionPeriod: await numberProperty(context, ['custom', 'vigil', 'queue', 'messageRetentionPeriod']),
    maxReceiveCount: await numberProperty(context, ['custom', 'vigil', 'queue', 'maxReceiveCount']),
  };
}

/** The rule targets' retry policy (`custom.vigil.ruleTarget`, osls' eventBridge keys, shared with the remediator's rule). */
async function ruleTargetSettings(context: ResolverContext): Promise<RuleTargetSettings> {
  return {
    maximumEventAge: await numberProperty(context, ['custom', 'vigil', 'ruleTarget', 'retryPolicy', 'maximumEventAge']),
    maximumRetryAttempts: await numberProperty(context, ['custom', 'vigil', 'ruleTarget', 'retryPolicy', 'maximumRetryAttempts']),
  };
}

/**
 * The roles (the remediator's only when opted in), each evaluating function's intake (rule →
 * queue) and the dead-letter queue's policy.
 */
export async function resources(context: ResolverContext): Promise<{ Resources: Record<string, Cfn> }> {
  assertGeneratedCurrent();
  const config = await deployedConfig(context);
  const rulePrefix = await stringProperty(context, ['custom', 'vigil', 'rulePrefix']);
  const permissions = readGenerated<PermissionsFile>('permissions.json');
  const patterns = readGenerated<PatternsFile>('patterns.json');
  const queue = await queueSettings(context);
  const target = await ruleTargetSettings(context);
  const requesting = requestingServices(config);
  const result: Record<string, Cfn> = {};
  for (const service of SERVICES) {
    const key = FUNCTION_KEYS[service];
    const pattern = patterns[key];
    if (!pattern) throw new PackagingError(`the ${key} function's rules want no CloudTrail call (generated/patterns.json): it would receive nothing`);
    result[roleLogicalId(key)] = evaluatorRole(key, permissions[key], requesting.has(service));
    Object.assign(
      result,
      evaluatorIntake(key, {
        // Not the name the rule had when it invoked the function directly: a stack deployed
        // before creates this rule, then deletes the old one, instead of clashing with it.
        ruleName: `${rulePrefix}-${service}-queue`,
        description: `CloudTrail calls that can change a Vigil ${RULE_SUBJECTS[service]} rule's verdict (generated), for the ${key} function's queue`,
        pattern,
        queue,
        target,
      }),
    );
  }
  const onFailureRoles: string[] = [];
  const policy = remediatorPolicy(config, PSEUDO_PARAMETERS);
  if (policy) {
    result[roleLogicalId(REMEDIATOR_KEY)] = remediatorRole(REMEDIATOR_KEY, policy);
    onFailureRoles.push(roleLogicalId(REMEDIATOR_KEY));
  }
  result.DeadLetterQueuePolicy = deadLetterQueuePolicy(rulePrefix, onFailureRoles);
  return { Resources: result };
}

/** IAM's CloudTrail events reach EventBridge in this region only (commercial partition). */
export const GLOBAL_EVENTS_REGION = 'us-east-1';

/**
 * The forwarder's target region (`--param="mainRegion=..."`): where the main stack runs. Checked
 * here because a mistake is silent otherwise: a forwarder in the wrong region receives nothing,
 * and one pointing at us-east-1 itself would loop.
 */
export async function forwarderTargetRegion(context: ResolverContext): Promise<string> {
  assertGeneratedCurrent();
  const deployRegion = context.options.region ?? context.options.r;
  if (deployRegion !== undefined && deployRegion !== GLOBAL_EVENTS_REGION) {
    throw new PackagingError(`the forwarder must be deployed in ${GLOBAL_EVENTS_REGION}, where IAM's events arrive (got --region ${String(deployRegion)})`);
  }
  const mainRegion = await context.resolveConfigurationProperty(['custom', 'forwarder', 'mainRegion']);
  if (typeof mainRegion !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(mainRegion)) {
    throw new PackagingError('pass the main stack\'s region: --param="mainRegion=eu-west-1" (for example)');
  }
  if (mainRegion === GLOBAL_EVENTS_REGION) {
    throw new PackagingError(`the main stack runs in ${GLOBAL_EVENTS_REGION}, where IAM's events arrive directly: no forwarder is needed`);
  }
  return mainRegion;
}
