import type { RouteTable } from '@aws-sdk/client-ec2';
import {
  DescribeJobRunCommand,
  DescribeJobTemplateCommand,
  DescribeManagedEndpointCommand,
  DescribeVirtualClusterCommand,
  ListJobRunsCommand,
} from '@aws-sdk/client-emr-containers';
import { IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClientCache } from '#shared/aws/clients.ts';
import { defaultConfig } from '#shared/config.ts';
import type { Change } from '#shared/model.ts';
import { createRegistry } from '#shared/registry.ts';
import { RULES } from '#shared/rules/index.ts';
import { EMR_EXTRACTORS } from '#shared/sources/emr/extractors.ts';
import { privateSubnetIds, routeTableOf, routesToInternetGateway } from '#shared/sources/emr/private-subnets.ts';
import { createListJobRunsReader, describeJobRunReader, EMR_READERS, jobRunExecutionRoleReader } from '#shared/sources/emr/readers.ts';
import { containerImageOf, isMutableImage, sparkConfOf, substituteParameters, templateParameters } from '#shared/sources/emr/workload.ts';
import { EXTRACTORS } from '#shared/sources/extractors.ts';
import { ALL_READERS } from '#shared/sources/readers.ts';
import type { Observation, Subject } from '#shared/state/types.ts';
import { liveFixture, mockEmrContainers, mockExecutionRoles } from '../fixtures/emr/live.ts';
import { evaluateEvent, loadEvent, statuses, testPipeline } from '../support/pipeline.ts';

const emr = mockEmrContainers();
const iam = mockClient(IAMClient);

const H = 'HIDDEN_DUE_TO_SECURITY_REASONS';
const ANALYTICS = 'kfa4z7m1q2w3e4r5t6y7u8i9o';
const ANALYTICS_ARN = `arn:aws:emr-containers:eu-west-1:111122223333:/virtualclusters/${ANALYTICS}`;

function changeOf(fixture: string): Change {
  const parsed = testPipeline().parse(loadEvent(fixture));
  if (!parsed.ok) throw new Error(`${fixture} did not parse: ${parsed.detail}`);
  return parsed.change;
}

function extract(fixture: string): Observation[] {
  const change = changeOf(fixture);
  return EMR_EXTRACTORS.filter((extractor) => extractor.eventName === change.eventName).flatMap((extractor) => extractor.extract(change));
}

const notFound = (message: string) => Object.assign(new Error(message), { name: 'ResourceNotFoundException' });
const accessDenied = (message: string) => Object.assign(new Error(message), { name: 'AccessDeniedException' });

describe('EMR on EKS extractors', () => {
  it('reads a StartJobRun onto its virtual cluster, leaving the redacted image unknown', () => {
    // Act
    const [observation, ...rest] = extract('emr-1/StartJobRun.fail.admin-role.json');

    // Assess
    expect(rest).toEqual([]);
    expect(observation?.kind).toBe('emr-virtual-cluster');
    expect(observation?.ref.id).toBe(ANALYTICS_ARN);
    expect(observation?.ref.attrs).toEqual({ virtualClusterId: ANALYTICS, jobRunId: '0000000351ac0pq9rs1' });
    expect(observation?.state).toEqual({
      virtualClusterId: ANALYTICS,
      workload: {
        source: 'job-run',
        id: '0000000351ac0pq9rs1',
        name: 'adhoc-backfill',
        executionRoleArn: 'arn:aws:iam::111122223333:role/emr-admin-execution',
        releaseLabel: 'emr-7.1.0-latest',
        jobTemplateId: null,
        containerImage: undefined,
      },
    });
    // The run's tags are not the cluster's: exemptions must read the cluster's own.
    expect(observation?.state).not.toHaveProperty('tags');
  });

  it('leaves role and release of a run from a job template unknown and carries its parameters for the reader', () => {
    // Act
    const [observation] = extract('emr-1/StartJobRun.needs-live.job-template.json');

    // Assess
    expect(observation?.state).toEqual({
      virtualClusterId: ANALYTICS,
      workload: { source: 'job-run', id: '0000000351ad3uv6wx8', name: 'legacy-from-template', jobTemplateId: 'bq5wm2d9x0c7v4n1m8l6k3j0h' },
    });
    expect(observation?.ref.attrs.jobTemplateId).toBe('bq5wm2d9x0c7v4n1m8l6k3j0h');
    expect(JSON.parse(observation?.ref.attrs.jobTemplateParameters ?? '{}')).toEqual({
      ExecutionRoleArn: 'arn:aws:iam::111122223333:role/emr-legacy-execution',
      EntryPointLocation: 's3://example-emr-code-111122223333/legacy/main.py',
    });
  });

  it('reads a managed endpoint with no overrides as running the release image, with its creation tags', () => {
    // Act
    const [observation] = extract('emr-3/CreateManagedEndpoint.pass.default-image.json');

    // Assess
    expect(observation?.ref.id).toBe('arn:aws:emr-containers:eu-west-1:111122223333:/virtualclusters/9bq3x6n0c5v8m2l4k7j1h0g3f/endpoints/3kd9s0a2m4n6b8v1c3x5z7l9q');
    expect(observation?.state).toMatchObject({
      virtualClusterId: '9bq3x6n0c5v8m2l4k7j1h0g3f',
      endpointId: '3kd9s0a2m4n6b8v1c3x5z7l9q',
      workload: { source: 'managed-endpoint', releaseLabel: 'emr-7.1.0-latest', containerImage: null },
      tags: {},
    });
  });

  it('keeps a job template placeholder as written', () => {
    // Act
    const [observation] = extract('emr-1/CreateJobTemplate.pass.role-parameter.json');

    // Assess
    expect(observation?.ref.id).toBe('arn:aws:emr-containers:eu-west-1:111122223333:/jobtemplates/ae3vt5sb5dsgqrk1ilqenxfkz');
    expect(observation?.state).toMatchObject({
      jobTemplateId: 'ae3vt5sb5dsgqrk1ilqenxfkz',
      workload: { source: 'job-template', executionRoleArn: '${ExecutionRoleArn}', releaseLabel: 'emr-7.1.0-latest', containerImage: undefined },
      tags: { team: 'analytics', 'cost-center': 'cc-4471' },
    });
  });

  it.each([
    ['emr-2/DeleteVirtualCluster.archive.json', 'arn:aws:emr-containers:eu-west-1:111122223333:/virtualclusters/w6e8r0t2y4u6i8o0p2a4s6d8f'],
    ['emr-4/DeleteManagedEndpoint.archive.json', 'arn:aws:emr-containers:eu-west-1:111122223333:/virtualclusters/t8p3w0r6k1s5d9f2g7h4j0l3z/endpoints/5wa7sd9fg1hj3kl5zx7cv9bn1'],
    ['emr-3/DeleteJobTemplate.archive.json', 'arn:aws:emr-containers:eu-west-1:111122223333:/jobtemplates/c7x1v3b5n7m9l1k3j5h7g9f1d'],
  ])('%s deletes %s', (fixture, id) => {
    // Act
    const observations = extract(fixture);

    // Assess
    expect(observations.map((observation) => [observation.ref.id, observation.deleted])).toEqual([[id, true]]);
  });

  it('finds a deleted virtual cluster by the SDK member name too, and names it as its job runs do', () => {
    // Prepare
    const run = changeOf('emr-2/StartJobRun.pass.single-role.json');
    const deletion = changeOf('emr-2/DeleteVirtualCluster.archive.json');
    const bySdkName = { ...deletion, request: { id: ANALYTICS }, response: null };

    // Act
    const [created] = EMR_EXTRACTORS.find((extractor) => extractor.eventName === 'StartJobRun')?.extract(run) ?? [];
    const [deleted] = EMR_EXTRACTORS.find((extractor) => extractor.eventName === 'DeleteVirtualCluster')?.extract(bySdkName) ?? [];

    // Assess
    expect(deleted?.ref.id).toBe(created?.ref.id);
  });

  it('emits nothing for a StartJobRun without a virtual cluster id', () => {
    // Prepare
    const change = { ...changeOf('emr-2/StartJobRun.pass.single-role.json'), request: { name: 'x' }, response: null };

    // Act
    const observations = EMR_EXTRACTORS.find((extractor) => extractor.eventName === 'StartJobRun')?.extract(change);

    // Assess
    expect(observations).toEqual([]);
  });

  it('declares deletes on exactly the Delete calls, and the registry routes every EMR event', () => {
    // Act
    const deleting = EMR_EXTRACTORS.filter((extractor) => extractor.deletes).map((extractor) => extractor.eventName);
    const registry = createRegistry({ rules: RULES, extractors: EXTRACTORS, readers: ALL_READERS, service: 'emr-containers' });

    // Assess
    expect(deleting).toEqual(['DeleteVirtualCluster', 'DeleteManagedEndpoint', 'DeleteJobTemplate']);
    expect(registry.eventNames().get('emr-containers')).toEqual([
      'CreateJobTemplate',
      'CreateManagedEndpoint',
      'DeleteJobTemplate',
      'DeleteManagedEndpoint',
      'DeleteVirtualCluster',
      'StartJobRun',
    ]);
  });

  it('grants the EMR function exactly the actions its readers perform', () => {
    // Act
    const registry = createRegistry({ rules: RULES, extractors: EXTRACTORS, readers: EMR_READERS, service: 'emr-containers' });

    // Assess
    expect(registry.requiredActions()).toEqual([
      'ec2:DescribeRouteTables',
      'ec2:DescribeSubnets',
      'eks:DescribeCluster',
      'emr-containers:DescribeJobRun',
      'emr-containers:DescribeJobTemplate',
      'emr-containers:DescribeManagedEndpoint',
      'emr-containers:DescribeVirtualCluster',
      'emr-containers:ListJobRuns',
      'iam:GetPolicy',
      'iam:GetPolicyVersion',
      'iam:GetRolePolicy',
      'iam:ListAttachedRolePolicies',
      'iam:ListRolePolicies',
    ]);
  });
});

describe('EMR on EKS workload settings', () => {
  const registry = '111122223333.dkr.ecr.eu-west-1.amazonaws.com';

  it.each([
    ['no overrides, no driver', undefined, undefined, null],
    ['redacted spark-defaults properties', { applicationConfiguration: [{ classification: 'spark-defaults', properties: H }] }, undefined, undefined],
    ['redacted submit parameters', undefined, { sparkSubmitJobDriver: { entryPoint: H, sparkSubmitParameters: H } }, undefined],
    ['redacted properties of an unrelated classification', { applicationConfiguration: [{ classification: 'spark-log4j', properties: H }] }, { sparkSubmitJobDriver: { entryPoint: H } }, null],
    [
      'spark-defaults image',
      { applicationConfiguration: [{ classification: 'spark-defaults', properties: { 'spark.kubernetes.container.image': `${registry}/etl:7.1.0` } }] },
      undefined,
      `${registry}/etl:7.1.0`,
    ],
    [
      '--conf wins over spark-defaults',
      { applicationConfiguration: [{ classification: 'spark-defaults', properties: { 'spark.kubernetes.container.image': `${registry}/etl:7.1.0` } }] },
      { sparkSubmitJobDriver: { entryPoint: 's3://b/main.py', sparkSubmitParameters: `--conf spark.executor.instances=2 --conf spark.kubernetes.container.image=${registry}/etl:7.2.0` } },
      `${registry}/etl:7.2.0`,
    ],
    [
      'a mutable executor image among pinned ones',
      { applicationConfiguration: [{ classification: 'spark-defaults', properties: { 'spark.kubernetes.container.image': `${registry}/etl:7.1.0`, 'spark.kubernetes.executor.container.image': `${registry}/etl-exec:latest` } }] },
      undefined,
      `${registry}/etl-exec:latest`,
    ],
    [
      'a kernel image of a managed endpoint',
      { applicationConfiguration: [{ classification: 'jupyter-kernel-overrides', configurations: [{ classification: 'python3', properties: { 'container-image': `${registry}/nb:1` } }] }] },
      undefined,
      `${registry}/nb:1`,
    ],
    ['spark-sql parameters', undefined, { sparkSqlJobDriver: { entryPoint: 's3://b/q.sql', sparkSqlParameters: `--conf=spark.kubernetes.container.image=${registry}/sql` } }, `${registry}/sql`],
  ])('image of %s', (_case, overrides, driver, expected) => {
    expect(containerImageOf(overrides, driver)).toBe(expected);
  });

  it.each([
    ['repo/etl:latest', true],
    ['repo/etl:LATEST', true],
    ['repo/etl', true],
    ['registry.example.com:5000/etl', true],
    ['registry.example.com:5000/etl:7.1.0', false],
    ['repo/etl:latest@sha256:9f2c4b6d8e0a1c3e5f7092b4d6f8a0c2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4', false],
    ['repo/etl:emr-7.1.0-latest', false],
    ['repo/etl:${Tag}', false],
  ])('%s mutable: %s', (image, mutable) => {
    expect(isMutableImage(image)).toBe(mutable);
  });

  it('reads quoted and repeated --conf pairs, the later winning', () => {
    expect(sparkConfOf('--class Main --conf "spark.a=x y" --conf spark.b=1 --conf spark.b=2')).toEqual({ 'spark.a': 'x y', 'spark.b': '2' });
  });

  it("puts in a run's parameters over the template's defaults and leaves unknown ones", () => {
    // Prepare
    const parameters = templateParameters({ Role: { type: 'STRING', defaultValue: 'default-role' }, Image: { type: 'STRING', defaultValue: 'img:1' } }, { Role: 'run-role' });

    // Act
    const text = substituteParameters('${Role} ${Image} ${Missing}', parameters);

    // Assess
    expect(text).toBe('run-role img:1 ${Missing}');
  });
});

describe('EMR.4 private subnets', () => {
  const table = (id: string, associations: NonNullable<RouteTable['Associations']>, routes: NonNullable<RouteTable['Routes']>): RouteTable => ({
    RouteTableId: id,
    VpcId: 'vpc-1',
    Associations: associations,
    Routes: routes,
  });
  const main = table('rtb-main', [{ Main: true }], [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-1', State: 'active' }]);

  it.each([
    ['a subnet on the main table with an IGW default route', [main], false],
    ['an explicit table with a NAT default route', [main, table('rtb-nat', [{ SubnetId: 'subnet-1' }], [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1' }])], true],
    ['an explicit table with ::/0 to an IGW', [main, table('rtb-v6', [{ SubnetId: 'subnet-1' }], [{ DestinationIpv6CidrBlock: '::/0', GatewayId: 'igw-1' }])], false],
    ['an explicit table with ::/0 to an egress-only IGW', [main, table('rtb-e', [{ SubnetId: 'subnet-1' }], [{ DestinationIpv6CidrBlock: '::/0', EgressOnlyInternetGatewayId: 'eigw-1' }])], true],
    ['a blackholed IGW route', [table('rtb-b', [{ SubnetId: 'subnet-1' }], [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-1', State: 'blackhole' }])], true],
    [
      'a disassociated explicit table (the main table applies)',
      [main, table('rtb-old', [{ SubnetId: 'subnet-1', AssociationState: { State: 'disassociated' } }], [])],
      false,
    ],
  ] as const)('%s → private: %s', (_case, tables, isPrivate) => {
    expect(privateSubnetIds([{ SubnetId: 'subnet-1', VpcId: 'vpc-1' }], tables)).toEqual(isPrivate ? ['subnet-1'] : []);
  });

  it('uses the main table of the subnet\'s own VPC', () => {
    const other = { ...main, RouteTableId: 'rtb-other', VpcId: 'vpc-2', Routes: [] };
    expect(routeTableOf('subnet-1', 'vpc-2', [main, other])?.RouteTableId).toBe('rtb-other');
    expect(routesToInternetGateway(other)).toBe(false);
  });
});

describe('EMR on EKS readers', () => {
  const aws = createClientCache({ maxAttempts: 1 });

  beforeEach(() => {
    emr.reset();
    iam.reset();
  });

  function runSubject(): Subject<'emr-virtual-cluster'> {
    const [observation] = extract('emr-3/StartJobRun.fail.template-release.json');
    return observation as Subject<'emr-virtual-cluster'>;
  }

  it('completes a run from a template: run parameters, then template defaults, put into the template', async () => {
    // Prepare
    emr.on(DescribeJobRunCommand).resolves(liveFixture('describe-job-run.from-template.json'));
    emr.on(DescribeJobTemplateCommand, { id: 'bq5wm2d9x0c7v4n1m8l6k3j0h' }).resolves(liveFixture('describe-job-template.legacy.json'));

    // Act
    const result = await describeJobRunReader.read(runSubject(), aws);

    // Assess
    expect(result).toEqual({
      found: true,
      state: {
        workload: {
          source: 'job-run',
          id: '0000000353cd6vw7xy8',
          name: 'monthly-close',
          executionRoleArn: 'arn:aws:iam::111122223333:role/emr-etl-execution',
          releaseLabel: 'emr-6.15.0-20240105',
          containerImage: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/emr-custom/spark-finance:6.15.0-r3',
        },
      },
    });
  });

  it('leaves what the template would tell unknown when only the template is gone, without archiving the virtual cluster', async () => {
    // Prepare
    emr.on(DescribeJobRunCommand).resolves(liveFixture('describe-job-run.from-template.json'));
    emr.on(DescribeJobTemplateCommand).rejects(notFound('Template does not exist'));

    // Act
    const result = await describeJobRunReader.read(runSubject(), aws);
    const outcome = await evaluateEvent(loadEvent('emr-3/StartJobRun.fail.template-release.json'), { live: true, config: { disabledRules: ['EMR.2', 'EMR.4'] } });

    // Assess
    expect(result).toEqual({ found: true, state: { workload: { source: 'job-run', id: '0000000353cd6vw7xy8', name: 'monthly-close' } } });
    expect(outcome.archives).toEqual([]);
    expect(outcome.updates).toEqual([]);
    expect(outcome.notEvaluated.map((entry) => [entry.ruleId, entry.reason])).toEqual([
      ['EMR.1', 'rule-error'],
      ['EMR.3', 'rule-error'],
    ]);
  });

  it('archives the virtual cluster when the job run and the cluster are gone', async () => {
    // Prepare
    emr.on(DescribeJobRunCommand).rejects(notFound('Job run does not exist'));
    emr.on(DescribeVirtualClusterCommand).rejects(notFound('Virtual cluster does not exist'));

    // Act
    const outcome = await evaluateEvent(loadEvent('emr-3/StartJobRun.fail.latest-image.json'), { live: true, config: { disabledRules: ['EMR.1', 'EMR.2'] } });

    // Assess
    expect(outcome.updates).toEqual([]);
    expect(outcome.archives.map((archive) => archive.ref.id)).toEqual([ANALYTICS_ARN]);
  });

  it('treats a TERMINATED virtual cluster as gone', async () => {
    // Prepare
    const described = liveFixture<{ virtualCluster: Record<string, unknown> }>('describe-virtual-cluster.analytics.json');
    emr.on(DescribeJobRunCommand).rejects(notFound('Job run does not exist'));
    emr.on(DescribeVirtualClusterCommand).resolves({ virtualCluster: { ...described.virtualCluster, state: 'TERMINATED' } });

    // Act
    const result = await describeJobRunReader.read(runSubject(), aws);

    // Assess
    expect(result).toEqual({ found: false });
  });

  it('keeps the findings of a live virtual cluster whose job run vanished, and says it could not judge', async () => {
    // Prepare
    emr.on(DescribeJobRunCommand).rejects(notFound('Job run does not exist'));
    emr.on(DescribeVirtualClusterCommand).resolves(liveFixture('describe-virtual-cluster.analytics.json'));

    // Act
    const outcome = await evaluateEvent(loadEvent('emr-3/StartJobRun.fail.latest-image.json'), { live: true, config: { disabledRules: ['EMR.1', 'EMR.2'] } });

    // Assess
    expect(outcome.archives).toEqual([]);
    expect(outcome.updates).toEqual([]);
    expect(outcome.notEvaluated).toEqual([expect.objectContaining({ ruleId: 'EMR.3', reason: 'rule-error' })]);
  });

  it.each([
    ['DescribeJobRun', 'emr-3/StartJobRun.fail.latest-image.json', 'EMR.3', 'emr-containers:DescribeJobRun'],
    ['DescribeManagedEndpoint', 'emr-3/CreateManagedEndpoint.fail.untagged-image.json', 'EMR.3', 'emr-containers:DescribeManagedEndpoint'],
    ['DescribeJobTemplate', 'emr-3/CreateJobTemplate.pass.release-parameter.json', 'EMR.3', 'emr-containers:DescribeJobTemplate'],
  ])('reports AccessDenied on %s as not evaluated', async (_action, fixture, ruleId, reader) => {
    // Prepare
    emr.onAnyCommand().rejects(accessDenied('User is not authorized to perform this action'));

    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), { live: true, config: { disabledRules: ['EMR.1', 'EMR.2', 'EMR.4'] } });

    // Assess
    expect(statuses(outcome)).toEqual(['NOT_AVAILABLE']);
    expect(outcome.archives).toEqual([]);
    expect(outcome.notEvaluated).toEqual([expect.objectContaining({ ruleId, reason: 'access-denied', readers: [reader] })]);
  });

  it.each([
    ['DescribeManagedEndpoint', 'emr-3/CreateManagedEndpoint.fail.untagged-image.json'],
    ['DescribeJobTemplate', 'emr-3/CreateJobTemplate.pass.release-parameter.json'],
  ])('archives on ResourceNotFoundException from %s', async (action, fixture) => {
    // Prepare
    if (action === 'DescribeManagedEndpoint') emr.on(DescribeManagedEndpointCommand).rejects(notFound('Endpoint does not exist'));
    else emr.on(DescribeJobTemplateCommand).rejects(notFound('Template does not exist'));

    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), { live: true, config: { disabledRules: ['EMR.1', 'EMR.2', 'EMR.4'] } });

    // Assess
    expect(outcome.updates).toEqual([]);
    expect(outcome.archives).toHaveLength(1);
  });

  it('reports a job template it cannot decrypt as not evaluated, not as a template without an image', async () => {
    // Prepare
    const template = liveFixture<{ jobTemplate: Record<string, unknown> }>('describe-job-template.release-parameter.json');
    emr.on(DescribeJobTemplateCommand).resolves({ jobTemplate: { ...template.jobTemplate, jobTemplateData: undefined, decryptionError: 'KMS key is not accessible' } });

    // Act
    const outcome = await evaluateEvent(loadEvent('emr-3/CreateJobTemplate.pass.release-parameter.json'), { live: true, config: { disabledRules: ['EMR.1'] } });

    // Assess
    expect(statuses(outcome)).toEqual(['NOT_AVAILABLE']);
    expect(outcome.notEvaluated).toEqual([expect.objectContaining({ ruleId: 'EMR.3', reason: 'access-denied' })]);
    expect(outcome.notEvaluated[0]?.detail).toContain('could not be decrypted: KMS key is not accessible');
  });

  it('lists job runs of the last 30 days, any state, and stops at its page cap', async () => {
    // Prepare
    emr.on(ListJobRunsCommand).callsFake((input: { nextToken?: string }) => ({
      jobRuns: [{ id: `run-${input.nextToken ?? 0}`, executionRoleArn: `arn:aws:iam::111122223333:role/r-${input.nextToken ?? 0}` }],
      nextToken: String(Number(input.nextToken ?? 0) + 1),
    }));
    const reader = createListJobRunsReader({ now: () => new Date('2025-06-03T06:30:00Z'), maxPages: 3 });

    // Act
    const result = await reader.read(runSubject(), aws);

    // Assess
    expect(emr.commandCalls(ListJobRunsCommand).map((call) => call.args[0].input)).toEqual([
      { virtualClusterId: ANALYTICS, createdAfter: new Date('2025-05-04T06:30:00Z'), maxResults: 50 },
      { virtualClusterId: ANALYTICS, createdAfter: new Date('2025-05-04T06:30:00Z'), maxResults: 50, nextToken: '1' },
      { virtualClusterId: ANALYTICS, createdAfter: new Date('2025-05-04T06:30:00Z'), maxResults: 50, nextToken: '2' },
    ]);
    expect(result).toEqual({
      found: true,
      state: { executionRoleArns: ['arn:aws:iam::111122223333:role/r-0', 'arn:aws:iam::111122223333:role/r-1', 'arn:aws:iam::111122223333:role/r-2'] },
    });
  });

  it('reads an execution role with a path by its name', async () => {
    // Prepare
    mockExecutionRoles(iam);
    const subject = runSubject();
    const withPath: Subject<'emr-virtual-cluster'> = {
      ...subject,
      state: { ...subject.state, workload: { source: 'job-run', executionRoleArn: 'arn:aws:iam::111122223333:role/service/emr/emr-admin-execution' } },
    };

    // Act
    const result = await jobRunExecutionRoleReader.read(withPath, aws);

    // Assess
    expect(iam.commandCalls(ListAttachedRolePoliciesCommand).map((call) => call.args[0].input)).toEqual([{ RoleName: 'emr-admin-execution' }]);
    expect(result).toMatchObject({
      found: true,
      state: { workload: { executionRole: { roleName: 'emr-admin-execution', attachedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'] } } },
    });
  });

  it('runs no rule twice and each reader at most once per resource', async () => {
    // Prepare
    mockExecutionRoles(iam);
    emr.on(DescribeJobRunCommand).resolves(liveFixture('describe-job-run.default-image.json'));
    emr.on(ListJobRunsCommand).resolves({ jobRuns: [] });
    emr.on(DescribeVirtualClusterCommand).resolves(liveFixture('describe-virtual-cluster.analytics.json'));

    // Act
    const outcome = await evaluateEvent(loadEvent('emr-1/StartJobRun.pass.scoped-role.json'), { live: true, config: defaultConfig });

    // Assess
    expect(outcome.updates.map((update) => [update.finding.ProductFields?.['vigil/RuleId'], update.finding.Compliance?.Status])).toEqual([
      ['EMR.1', 'PASSED'],
      ['EMR.2', 'PASSED'],
      ['EMR.3', 'PASSED'],
    ]);
    expect(emr.commandCalls(DescribeJobRunCommand)).toHaveLength(1);
    expect(iam.commandCalls(ListAttachedRolePoliciesCommand)).toHaveLength(1);
  });
});
