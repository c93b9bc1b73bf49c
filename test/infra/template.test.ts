/**
 * The packaged stack: `serverless package` run offline (no AWS credentials) on a copy of the
 * repository, once with the committed vigil.config.json and once with every remediable rule opted
 * in, then the CloudFormation template and the bundles are checked against the registry.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, REMEDIABLE_RULES, type VigilConfigInput } from '#shared/config.ts';
import { type Service, SERVICES } from '#shared/model.ts';
import { functionOfKind } from '#shared/registry.ts';
import { remediatorPolicy } from '#shared/remediation/catalog.ts';
import { REMEDIATION_DETAIL_TYPE, REMEDIATION_EVENT_PATTERN, REMEDIATION_SOURCE } from '#shared/remediation/request.ts';
import { RULES } from '#shared/rules/index.ts';
import { PSEUDO_PARAMETERS } from '../../scripts/cloudformation.ts';
import { computeGenerated, FUNCTION_KEYS, logicalPrefix, registryOf } from '../../scripts/deployment-model.ts';
import { packageReport, readZipEntries } from '../../scripts/package-report.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

type Json = Record<string, unknown>;
interface Template {
  Resources: Record<string, { Type: string; Properties: Json; DependsOn?: unknown }>;
}
interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Json;
}

const SECURITY_HUB_CALLS = ['securityhub:BatchImportFindings', 'securityhub:BatchUpdateFindings', 'securityhub:GetFindings'];
/** An evaluator writes its logs and reads its own queue (what Lambda's SQS event source needs), nothing more. */
const QUEUE_CALLS = ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'];
const EVALUATOR_RUNTIME_CALLS = ['logs:CreateLogStream', 'logs:PutLogEvents', ...QUEUE_CALLS];
/** The remediator is invoked asynchronously: its on-failure destination sends to the dead-letter queue with its role. */
const REMEDIATOR_RUNTIME_CALLS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage'];
/** Far above today's bundles (1.1 to 1.8 MB): trips when a function drags in every SDK client. */
const MAX_BUNDLE_BYTES = 2.5 * 1024 * 1024;

/** Opts every remediable rule in (with what EKS.1 and EKS.3 require), so every remediation is packaged. */
const REMEDIATE_ALL: VigilConfigInput = {
  allowedPublicAccessCidrs: ['203.0.113.0/24'],
  remediation: {
    dryRun: true,
    enabledRules: [...REMEDIABLE_RULES],
    kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  },
};

interface Packaged {
  dir: string;
  template: Template;
}

const workDirs: string[] = [];

/** A copy of what packaging reads, so that runs neither collide nor see files changing under them. */
function workCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-package-'));
  workDirs.push(dir);
  for (const entry of ['serverless.yml', 'package.json', 'vigil.config.json', 'functions', 'shared', 'scripts', 'generated', 'forwarder']) {
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** The environment without AWS credentials of any kind: packaging must not need them. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('AWS_')) env[key] = value;
  return { ...env, AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_CONFIG_FILE: '/nonexistent/config', AWS_EC2_METADATA_DISABLED: 'true' };
}

/** `serverless package` in `service` ('.' for the main stack, 'forwarder') of a fresh copy. */
async function serverlessPackage(service: string, extraArgs: readonly string[], config?: VigilConfigInput): Promise<{ dir: string; output: string }> {
  const work = workCopy();
  const artifacts = join(work, 'artifacts');
  const args = [join(work, 'node_modules', 'osls', 'bin', 'serverless.js'), 'package', '--package', artifacts, ...extraArgs];
  if (config) {
    writeFileSync(join(work, 'test.config.json'), JSON.stringify(config));
    args.push('--param=config=test.config.json');
  }
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: join(work, service), env: offlineEnv(), maxBuffer: 16 * 1024 * 1024 });
    return { dir: artifacts, output: stdout + stderr };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`serverless package failed:\n${stdout}${stderr}`);
  }
}

async function packaged(service: string, extraArgs: readonly string[], config?: VigilConfigInput): Promise<Packaged> {
  const { dir } = await serverlessPackage(service, extraArgs, config);
  const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  return { dir, template };
}

/** The message a packaging that must fail failed with. */
async function failure(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return 'packaged without error';
  } catch (error) {
    return (error as Error).message;
  }
}

function resourcesOfType(template: Template, type: string): string[] {
  return Object.keys(template.Resources).filter((id) => template.Resources[id]?.Type === type);
}

function resource(template: Template, id: string): { Type: string; Properties: Json } {
  const found = template.Resources[id];
  if (!found) throw new Error(`template has no resource ${id}`);
  return found;
}

function roleStatements(template: Template, roleId: string): Statement[] {
  const policies = resource(template, roleId).Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

function actionsOf(statements: readonly Statement[]): string[] {
  return [...new Set(statements.flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action])))].sort();
}

/** Every IAM statement in the template: roles (permissions and trust), managed policies, resource policies. */
function allStatements(template: Template): Statement[] {
  const statements: Statement[] = [];
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === 'object') {
      const record = value as Json;
      if (Array.isArray(record.Statement)) statements.push(...(record.Statement as Statement[]));
      else Object.values(record).forEach(collect);
    }
  };
  collect(template.Resources);
  return statements;
}

const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });

/** Imports every packaged bundle (the handlers' cold-start checks run at import); the failures. */
async function loadBundles(dir: string): Promise<string[]> {
  const extracted = join(dir, 'extracted');
  mkdirSync(extracted, { recursive: true });
  const failures: string[] = [];
  for (const row of packageReport(dir)) {
    const entry = readZipEntries(join(dir, `${row.function}.zip`)).find((candidate) => candidate.name === row.bundle);
    const file = join(extracted, `${row.function}.mjs`);
    writeFileSync(file, entry?.data() ?? '');
    try {
      const module = (await import(pathToFileURL(file).href)) as { handler?: unknown };
      if (typeof module.handler !== 'function') failures.push(`${row.function}: no handler export`);
    } catch (error) {
      failures.push(`${row.function}: ${(error as Error).message}`);
    }
  }
  return failures;
}

let standard: Packaged;
let remediating: Packaged;
let forwarder: Packaged;
let badConfigFailure: string;
let forwarderToUsEast1Failure: string;

beforeAll(async () => {
  // All at once, each in its own copy: about a minute in all instead of three.
  [standard, remediating, forwarder, badConfigFailure, forwarderToUsEast1Failure] = await Promise.all([
    packaged('.', []),
    packaged('.', [], REMEDIATE_ALL),
    packaged('forwarder', ['--region', 'us-east-1', '--param=mainRegion=eu-west-1']),
    failure(serverlessPackage('.', [], { minKubernetesVersion: 'latest' })),
    failure(serverlessPackage('forwarder', ['--region', 'us-east-1', '--param=mainRegion=us-east-1'])),
  ]);
}, 240_000);

afterAll(() => {
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
});

describe('serverless package (committed vigil.config.json)', () => {
  it('packages exactly the four evaluating functions on nodejs24.x, arm64, each with its own role', () => {
    // Act
    const functions = resourcesOfType(standard.template, 'AWS::Lambda::Function').sort();
    // Assess
    expect(functions).toEqual(SERVICES.map((service) => `${logicalPrefix(FUNCTION_KEYS[service])}LambdaFunction`).sort());
    for (const service of SERVICES) {
      const prefix = logicalPrefix(FUNCTION_KEYS[service]);
      const properties = resource(standard.template, `${prefix}LambdaFunction`).Properties;
      expect(properties.Runtime).toBe('nodejs24.x');
      expect(properties.Architectures).toEqual(['arm64']);
      expect(properties.Handler).toBe(`functions/${service}.handler`);
      expect(properties.Role).toEqual(getAtt(`${prefix}FunctionRole`));
      // Bounded by its event source's maximum concurrency instead (see the event source mapping test).
      expect(properties.ReservedConcurrentExecutions).toBeUndefined();
    }
    expect(standard.template.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('hands every function the validated configuration and no remediator', () => {
    const expected = parseConfig(JSON.parse(readFileSync(join(ROOT, 'vigil.config.json'), 'utf8')));
    for (const id of resourcesOfType(standard.template, 'AWS::Lambda::Function')) {
      const variables = (resource(standard.template, id).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(JSON.parse(String(variables.VIGIL_CONFIG))).toEqual(expected);
      expect(variables.VIGIL_REMEDIATOR_ROLE_ARN).toBeUndefined();
    }
  });

  it.each(SERVICES)('gives the %s function one EventBridge rule with exactly the pattern its registry needs, delivering to its own queue', (service: Service) => {
    // Prepare
    const prefix = logicalPrefix(FUNCTION_KEYS[service]);
    const expected = computeGenerated()['patterns.json'][FUNCTION_KEYS[service]];
    const targetsOf = (rule: Json) => rule.Targets as { Arn: unknown }[];
    // Act
    const rules = resourcesOfType(standard.template, 'AWS::Events::Rule').map((id) => resource(standard.template, id).Properties);
    const toQueue = rules.filter((rule) => targetsOf(rule).some((target) => JSON.stringify(target.Arn) === JSON.stringify(getAtt(`${prefix}Queue`))));
    // Assess
    expect(toQueue).toHaveLength(1);
    const [rule] = toQueue;
    expect(rule?.Name).toBe(`vigil-dev-${service}-queue`);
    expect(rule?.EventBusName).toBeUndefined();
    expect(rule?.EventPattern).toEqual(expected);
    expect(rule?.State).toBe('ENABLED');
    const targets = rule?.Targets as Json[];
    expect(targets).toHaveLength(1);
    expect(targets[0]?.DeadLetterConfig).toEqual({ Arn: getAtt('DeadLetterQueue') });
    expect(targets[0]?.RetryPolicy).toEqual({ MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 21600 });
    // Nothing invokes the function directly any more.
    expect(rules.filter((candidate) => JSON.stringify(candidate.Targets).includes(`${prefix}LambdaFunction`))).toEqual([]);
    expect(resourcesOfType(standard.template, 'AWS::Lambda::Permission').filter((id) => JSON.stringify(resource(standard.template, id).Properties).includes(`${prefix}LambdaFunction`))).toEqual([]);
  });

  it.each(SERVICES)('lets only its own rule send to the %s queue, which is encrypted and redrives to the dead-letter queue', (service: Service) => {
    // Prepare
    const prefix = logicalPrefix(FUNCTION_KEYS[service]);
    const timeout = Number(resource(standard.template, `${prefix}LambdaFunction`).Properties.Timeout);
    const ruleName = `vigil-dev-${service}-queue`;
    // Act
    const queue = resource(standard.template, `${prefix}Queue`);
    const policies = resourcesOfType(standard.template, 'AWS::SQS::QueuePolicy')
      .map((id) => resource(standard.template, id).Properties)
      .filter((policy) => JSON.stringify(policy.Queues) === JSON.stringify([{ Ref: `${prefix}Queue` }]));
    // Assess
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    expect(queue.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: getAtt('DeadLetterQueue'), maxReceiveCount: 5 });
    // AWS guidance for SQS event sources: at least six times the function timeout.
    expect(timeout).toBe(60);
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    // A redriven message keeps its first enqueue time: the dead-letter queue must keep it longer.
    expect(Number(queue.Properties.MessageRetentionPeriod)).toBeLessThan(Number(resource(standard.template, 'DeadLetterQueue').Properties.MessageRetentionPeriod));
    expect(policies).toHaveLength(1);
    expect((policies[0]?.PolicyDocument as { Statement: Statement[] }).Statement).toEqual([
      {
        Sid: 'OwnRuleOnly',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: getAtt(`${prefix}Queue`),
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${ruleName}` } } },
      },
    ]);
    // The rule exists only once the policy does: no delivery is refused while the stack is created.
    expect(standard.template.Resources[`${prefix}Rule`]?.DependsOn).toEqual([`${prefix}QueuePolicy`]);
  });

  it.each(SERVICES)('has the %s function read its queue in batches, reporting failed messages, within a maximum concurrency', (service: Service) => {
    // Prepare
    const prefix = logicalPrefix(FUNCTION_KEYS[service]);
    // Act
    const mappings = resourcesOfType(standard.template, 'AWS::Lambda::EventSourceMapping')
      .map((id) => resource(standard.template, id).Properties)
      .filter((mapping) => JSON.stringify(mapping.FunctionName) === JSON.stringify(getAtt(`${prefix}LambdaFunction`)));
    // Assess
    expect(mappings).toEqual([
      {
        EventSourceArn: getAtt(`${prefix}Queue`),
        FunctionName: getAtt(`${prefix}LambdaFunction`),
        Enabled: true,
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 5,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      },
    ]);
  });

  it.each(SERVICES)('grants the %s role its registry\'s read actions, the Security Hub calls, its logs and its own queue, nothing else', (service: Service) => {
    // Prepare
    const prefix = logicalPrefix(FUNCTION_KEYS[service]);
    const expected = [...new Set([...registryOf(service).requiredActions(), ...SECURITY_HUB_CALLS, ...EVALUATOR_RUNTIME_CALLS])].sort();
    // Act
    const statements = roleStatements(standard.template, `${prefix}FunctionRole`);
    // Assess
    expect(actionsOf(statements)).toEqual(expected);
    const reads = statements.find((statement) => statement.Sid === 'LiveReads');
    expect(reads ? actionsOf([reads]) : []).toEqual(registryOf(service).requiredActions());
    // Only the live reads (Describe/Get/List calls, most without resource-level permissions) use `*`.
    for (const statement of statements.filter((candidate) => candidate.Sid !== 'LiveReads')) expect(statement.Resource).not.toBe('*');
    const imports = statements.find((statement) => actionsOf([statement]).includes('securityhub:BatchImportFindings'));
    expect(imports?.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:product/${AWS::AccountId}/default' });
    const logs = statements.find((statement) => actionsOf([statement]).includes('logs:PutLogEvents'));
    expect(logs?.Resource).toEqual(getAtt(`${prefix}LogGroup`));
    const queue = statements.filter((statement) => actionsOf([statement]).some((action) => action.startsWith('sqs:')));
    expect(queue).toHaveLength(1);
    expect(actionsOf(queue)).toEqual(QUEUE_CALLS);
    expect(queue[0]?.Resource).toEqual(getAtt(`${prefix}Queue`));
  });

  it('allows no action with a wildcard anywhere (the only `*` is the deployment bucket\'s TLS-only Deny)', () => {
    const statements = allStatements(standard.template);
    expect(statements.length).toBeGreaterThan(8);
    const wildcards = statements.filter((statement) => actionsOf([statement]).some((action) => action.includes('*')));
    for (const statement of wildcards) {
      expect(statement.Effect).toBe('Deny');
      expect(statement.Condition).toEqual({ Bool: { 'aws:SecureTransport': false } });
    }
    expect(statements.filter((statement) => statement.Effect === 'Allow' && actionsOf([statement]).some((action) => action.includes('*')))).toEqual([]);
  });

  it('keeps failed events in an encrypted dead-letter queue, with no asynchronous invocation left to configure', () => {
    // Prepare
    const queue = resource(standard.template, 'DeadLetterQueue');
    // Act
    const invokeConfigs = resourcesOfType(standard.template, 'AWS::Lambda::EventInvokeConfig');
    // Assess
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties.SqsManagedSseEnabled === true || typeof queue.Properties.KmsMasterKeyId === 'string').toBe(true);
    expect(queue.Properties.MessageRetentionPeriod).toBe(1209600);
    // The evaluators are invoked by their event sources: failures go back to their queues, then here by redrive.
    expect(invokeConfigs).toEqual([]);
  });

  it('lets only the stack\'s rules (by their source ARN) send to the dead-letter queue when no function has an on-failure destination', () => {
    const policy = resource(standard.template, 'DeadLetterQueuePolicy').Properties.PolicyDocument as { Statement: Statement[] };
    expect(policy.Statement).toEqual([
      {
        Sid: 'RuleTargetsDeadLetter',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: getAtt('DeadLetterQueue'),
        Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/vigil-dev-*' } } },
      },
    ]);
  });

  it('sets a retention on every function\'s log group', () => {
    const groups = resourcesOfType(standard.template, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(SERVICES.length);
    for (const id of groups) expect(resource(standard.template, id).Properties.RetentionInDays).toBe(30);
  });

  it('builds bundles that load: cold-start checks pass (config, bundled readers, region) and nothing throws at import', async () => {
    // Prepare
    process.env.AWS_REGION = 'eu-west-1';
    process.env.VIGIL_CONFIG = JSON.stringify(parseConfig({}));
    // Act
    const failures = await loadBundles(standard.dir);
    // Assess
    expect(failures).toEqual([]);
  });

  it('keeps every bundle one small ESM file', () => {
    const report = packageReport(standard.dir);
    expect(report.map((row) => row.function).sort()).toEqual(SERVICES.map((service) => FUNCTION_KEYS[service]).sort());
    for (const row of report) {
      expect(row.bundle).toMatch(/^functions\/[a-z0-9-]+\.mjs$/);
      expect(row.bundleBytes).toBeLessThan(MAX_BUNDLE_BYTES);
    }
  });
});

describe('serverless package (every remediable rule opted in)', () => {
  const config = parseConfig(REMEDIATE_ALL);

  it('adds the remediating function, subscribed to remediation requests only', () => {
    // Act
    const properties = resource(remediating.template, 'RemediateLambdaFunction').Properties;
    const rules = resourcesOfType(remediating.template, 'AWS::Events::Rule')
      .map((id) => resource(remediating.template, id).Properties)
      .filter((rule) => JSON.stringify(rule.Targets).includes('RemediateLambdaFunction'));
    // Assess
    expect(properties.Handler).toBe('functions/remediate.handler');
    expect(properties.Runtime).toBe('nodejs24.x');
    expect(properties.Role).toEqual(getAtt('RemediateFunctionRole'));
    expect(rules).toHaveLength(1);
    expect(rules[0]?.EventPattern).toEqual(REMEDIATION_EVENT_PATTERN);
  });

  it('grants the remediator exactly the catalogue\'s policy for the opted-in rules, plus its logs and the queue', () => {
    // Prepare
    const policy = remediatorPolicy(config, PSEUDO_PARAMETERS);
    // Act
    const statements = roleStatements(remediating.template, 'RemediateFunctionRole');
    // Assess
    expect(actionsOf(statements)).toEqual([...new Set([...(policy?.Statement.flatMap((statement) => statement.Action) ?? []), ...REMEDIATOR_RUNTIME_CALLS])].sort());
    expect(actionsOf(statements)).not.toContain('securityhub:BatchImportFindings');
    expect(actionsOf(statements).filter((action) => action.includes('*'))).toEqual([]);
  });

  it('lets only the evaluators of opted-in rules put remediation requests, on the default bus, with Vigil\'s source', () => {
    // Prepare
    const requesting = new Set(RULES.filter((rule) => config.remediation.enabledRules.includes(rule.id as never)).flatMap((rule) => rule.resourceKinds.map(functionOfKind)));
    for (const service of SERVICES) {
      // Act
      const statements = roleStatements(remediating.template, `${logicalPrefix(FUNCTION_KEYS[service])}FunctionRole`);
      const putEvents = statements.filter((statement) => actionsOf([statement]).includes('events:PutEvents'));
      // Assess
      if (!requesting.has(service)) {
        expect(putEvents).toEqual([]);
        continue;
      }
      expect(putEvents).toHaveLength(1);
      expect(putEvents[0]?.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default' });
      expect(putEvents[0]?.Condition).toEqual({ StringEquals: { 'events:source': REMEDIATION_SOURCE, 'events:detail-type': REMEDIATION_DETAIL_TYPE } });
    }
    expect(requesting.size).toBeGreaterThan(0);
  });

  it('builds a remediator bundle that loads with the opted-in configuration', async () => {
    // Prepare
    process.env.AWS_REGION = 'eu-west-1';
    process.env.VIGIL_CONFIG = JSON.stringify(config);
    process.env.VIGIL_REMEDIATOR_ROLE_ARN = 'arn:aws:iam::111122223333:role/vigil-prod-remediate';
    // Act
    const failures = await loadBundles(remediating.dir);
    // Assess
    expect(packageReport(remediating.dir).map((row) => row.function)).toContain('remediate');
    expect(failures).toEqual([]);
  });

  it('tells every function the remediator\'s role ARN and wires the remediator\'s failures to the queue too', () => {
    for (const id of resourcesOfType(remediating.template, 'AWS::Lambda::Function')) {
      const variables = (resource(remediating.template, id).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.VIGIL_REMEDIATOR_ROLE_ARN).toEqual(getAtt('RemediateFunctionRole'));
    }
    const invokeConfig = resource(remediating.template, 'RemediateLambdaEvConf').Properties;
    expect(invokeConfig.DestinationConfig).toEqual({ OnFailure: { Destination: getAtt('DeadLetterQueue') } });
    expect(invokeConfig.MaximumRetryAttempts).toBe(2);
    expect(resourcesOfType(remediating.template, 'AWS::Lambda::EventInvokeConfig')).toEqual(['RemediateLambdaEvConf']);
    expect(resource(remediating.template, 'RemediateLambdaFunction').Properties.ReservedConcurrentExecutions).toBe(2);
    // Its role is the only one the dead-letter queue admits, besides the rules.
    const policy = resource(remediating.template, 'DeadLetterQueuePolicy').Properties.PolicyDocument as { Statement: Statement[] };
    const fromRoles = policy.Statement.filter((statement) => (statement.Principal as { AWS?: unknown } | undefined)?.AWS);
    expect(fromRoles.map((statement) => (statement.Principal as { AWS: unknown }).AWS)).toEqual([[getAtt('RemediateFunctionRole')]]);
  });
});

describe('serverless package (invalid configuration)', () => {
  it('fails with the schema\'s message naming the field', () => {
    expect(badConfigFailure).toContain('minKubernetesVersion: a Kubernetes minor version such as "1.31"');
  });
});

describe('forwarder (us-east-1 → main region)', () => {
  const mainBus = { 'Fn::Sub': 'arn:${AWS::Partition}:events:eu-west-1:${AWS::AccountId}:event-bus/default' };

  it('forwards exactly the generated IAM pattern to the main region\'s default bus', () => {
    // Act
    const rules = resourcesOfType(forwarder.template, 'AWS::Events::Rule').map((id) => resource(forwarder.template, id).Properties);
    // Assess
    expect(rules).toHaveLength(1);
    expect(rules[0]?.EventPattern).toEqual(computeGenerated()['patterns.json'].forwarder);
    const [target] = rules[0]?.Targets as Json[];
    expect(target?.Arn).toEqual(mainBus);
    expect(target?.RoleArn).toEqual(getAtt('ForwardRole'));
    expect(target?.DeadLetterConfig).toEqual({ Arn: getAtt('ForwardDeadLetterQueue') });
  });

  it('gives its role events:PutEvents on that bus and nothing else, and keeps failures encrypted', () => {
    const statements = roleStatements(forwarder.template, 'ForwardRole');
    expect(actionsOf(statements)).toEqual(['events:PutEvents']);
    expect(statements.map((statement) => statement.Resource)).toEqual([mainBus]);
    expect(resource(forwarder.template, 'ForwardDeadLetterQueue').Properties.SqsManagedSseEnabled).toBe(true);
    expect(resourcesOfType(forwarder.template, 'AWS::Lambda::Function')).toEqual([]);
  });

  it('refuses to forward to us-east-1 itself (the main stack there needs no forwarder)', () => {
    expect(forwarderToUsEast1Failure).toContain('no forwarder is needed');
  });
});
