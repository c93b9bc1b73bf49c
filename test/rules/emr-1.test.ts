import { DescribeJobRunCommand, DescribeJobTemplateCommand, DescribeVirtualClusterCommand } from '@aws-sdk/client-emr-containers';
import { IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { liveFixture, mockEmrContainers, mockExecutionRoles } from '../fixtures/emr/live.ts';
import { evaluateEvent, loadEvent, testPipeline, verdictOf, verdicts } from '../support/pipeline.ts';

const emr = mockEmrContainers();
const iam = mockClient(IAMClient);

/** Only EMR.1: the other EMR rules on the same events read other things. */
const config = { disabledRules: ['EMR.2', 'EMR.3', 'EMR.4'] };
const VIRTUAL_CLUSTER = 'arn:aws:emr-containers:eu-west-1:111122223333:/virtualclusters/kfa4z7m1q2w3e4r5t6y7u8i9o';
const ENDPOINT = 'arn:aws:emr-containers:eu-west-1:111122223333:/virtualclusters/9bq3x6n0c5v8m2l4k7j1h0g3f/endpoints/8gai4l4exxbw3d4dc0ahpvrsy';

describe('EMR.1 execution role least privilege', () => {
  beforeEach(() => {
    emr.reset();
    iam.reset();
    mockExecutionRoles(iam);
    emr.on(DescribeVirtualClusterCommand, { id: 'kfa4z7m1q2w3e4r5t6y7u8i9o' }).resolves(liveFixture('describe-virtual-cluster.analytics.json'));
    emr.on(DescribeJobRunCommand, { id: '0000000351ad3uv6wx8', virtualClusterId: 'kfa4z7m1q2w3e4r5t6y7u8i9o' }).resolves(liveFixture('describe-job-run.from-template.json'));
    emr.on(DescribeJobTemplateCommand, { id: 'bq5wm2d9x0c7v4n1m8l6k3j0h' }).resolves(liveFixture('describe-job-template.legacy.json'));
  });

  it.each([
    ['emr-1/StartJobRun.pass.scoped-role.json', 'PASSED', VIRTUAL_CLUSTER, 'emr-etl-execution, which has no admin-equivalent permission'],
    ['emr-1/StartJobRun.fail.admin-role.json', 'FAILED', VIRTUAL_CLUSTER, 'AWS managed policy AdministratorAccess is attached'],
    ['emr-1/CreateManagedEndpoint.fail.admin-inline.json', 'FAILED', ENDPOINT, 'inline policy notebook-everything'],
    // A run from a job template: the role is the run's parameter put into the template's `${ExecutionRoleArn}`.
    ['emr-1/StartJobRun.needs-live.job-template.json', 'FAILED', VIRTUAL_CLUSTER, 'emr-legacy-execution, which has admin-equivalent permissions: AWS managed policy PowerUserAccess'],
  ])('%s → %s', async (fixture, status, resourceId, phrase) => {
    // Prepare
    const event = loadEvent(fixture);

    // Act
    const outcome = await evaluateEvent(event, { live: true, config });

    // Assess
    const verdict = verdictOf(outcome, 'EMR.1');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('HIGH');
    expect(verdict?.resourceId).toBe(resourceId);
    expect(verdict?.workflow).toBe(status === 'PASSED' ? 'RESOLVED' : undefined);
    expect(verdict?.description).toContain(phrase);
    expect(outcome.notEvaluated).toEqual([]);
  });

  it('reads the execution role named in the event, in the IAM region', async () => {
    // Act
    await evaluateEvent(loadEvent('emr-1/StartJobRun.fail.admin-role.json'), { live: true, config });

    // Assess
    const calls = iam.commandCalls(ListAttachedRolePoliciesCommand);
    expect(calls.map((call) => call.args[0].input)).toEqual([{ RoleName: 'emr-admin-execution' }]);
    expect(await iam.call(0).thisValue.config.region()).toBe('us-east-1');
  });

  it('reports a run from a job template as not evaluated offline, never guessing its role', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('emr-1/StartJobRun.needs-live.job-template.json'), { config });

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.notEvaluated).toEqual([
      expect.objectContaining({ ruleId: 'EMR.1', resourceId: VIRTUAL_CLUSTER, reason: 'offline', readers: ['emr-containers:DescribeJobRun'] }),
    ]);
  });

  it('leaves a job template whose role is a ${Param} without a finding and reads nothing', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('emr-1/CreateJobTemplate.pass.role-parameter.json'), { live: true, config });

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.notEvaluated).toEqual([]);
    expect(iam.calls()).toHaveLength(0);
    expect(emr.calls()).toHaveLength(0);
  });

  it('treats an execution role that no longer exists as not applicable, without archiving the virtual cluster', async () => {
    // Prepare
    iam.on(ListAttachedRolePoliciesCommand, { RoleName: 'emr-admin-execution' }).rejects(Object.assign(new Error('The role cannot be found.'), { name: 'NoSuchEntityException' }));

    // Act
    const outcome = await evaluateEvent(loadEvent('emr-1/StartJobRun.fail.admin-role.json'), { live: true, config });

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.archives).toEqual([]);
  });

  it('skips the failed call', () => {
    // Act
    const parsed = testPipeline({ config }).parse(loadEvent('emr-1/StartJobRun.skip.failed-call.json'));

    // Assess
    expect(parsed).toMatchObject({ ok: false, reason: 'failed-call' });
  });
});
