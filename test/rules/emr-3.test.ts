import {
  DescribeJobRunCommand,
  DescribeJobTemplateCommand,
  DescribeManagedEndpointCommand,
  DescribeVirtualClusterCommand,
  } from '@aws-sdk/client-emr-containers';
import { beforeEach, describe, expect, it } from 'vitest';
import { liveFixture, mockEmrContainers } from '../fixtures/emr/live.ts';
import { evaluateEvent, loadEvent, verdictOf, verdicts } from '../support/pipeline.ts';

const emr = mockEmrContainers();

const config = { disabledRules: ['EMR.1', 'EMR.2', 'EMR.4'] };
const ANALYTICS = 'arn:aws:emr-containers:eu-west-1:111122223333:/virtualclusters/kfa4z7m1q2w3e4r5t6y7u8i9o';
const STUDIO = 'arn:aws:emr-containers:eu-west-1:111122223333:/virtualclusters/9bq3x6n0c5v8m2l4k7j1h0g3f';
const TEMPLATE = 'arn:aws:emr-containers:eu-west-1:111122223333:/jobtemplates/c7x1v3b5n7m9l1k3j5h7g9f1d';
const ECR = '111122223333.dkr.ecr.eu-west-1.amazonaws.com';

describe('EMR.3 release label and custom image', () => {
  beforeEach(() => {
    emr.reset();
    emr.on(DescribeVirtualClusterCommand, { id: 'kfa4z7m1q2w3e4r5t6y7u8i9o' }).resolves(liveFixture('describe-virtual-cluster.analytics.json'));
    emr.on(DescribeJobRunCommand, { id: '0000000353cb0no1pq2' }).resolves(liveFixture('describe-job-run.latest-image.json'));
    emr.on(DescribeJobRunCommand, { id: '0000000353cc3rs4tu5' }).resolves(liveFixture('describe-job-run.pinned-image.json'));
    emr.on(DescribeJobRunCommand, { id: '0000000353cd6vw7xy8' }).resolves(liveFixture('describe-job-run.from-template.json'));
    emr.on(DescribeJobTemplateCommand, { id: 'bq5wm2d9x0c7v4n1m8l6k3j0h' }).resolves(liveFixture('describe-job-template.legacy.json'));
    emr.on(DescribeJobTemplateCommand, { id: 'c7x1v3b5n7m9l1k3j5h7g9f1d' }).resolves(liveFixture('describe-job-template.release-parameter.json'));
    emr.on(DescribeManagedEndpointCommand, { id: '6hf2j4k6l8z0x2c4v6b8n0m2q' }).resolves(liveFixture('describe-managed-endpoint.untagged-image.json'));
  });

  it.each([
    ['emr-3/StartJobRun.fail.old-release.json', 'FAILED', ANALYTICS, 'legacy-report in virtual cluster kfa4z7m1q2w3e4r5t6y7u8i9o uses release emr-6.9.0-latest, older than the minimum emr-7.0.0.'],
    ['emr-3/StartJobRun.fail.latest-image.json', 'FAILED', ANALYTICS, `runs custom image ${ECR}/emr-custom/spark-etl:latest, a mutable latest tag`],
    ['emr-3/StartJobRun.pass.pinned-image.json', 'PASSED', ANALYTICS, `uses release emr-7.2.0-20240610 and runs custom image ${ECR}/emr-custom/spark-etl@sha256:`],
    // The release comes from the template; the template's `${Image}` falls back to its default.
    ['emr-3/StartJobRun.fail.template-release.json', 'FAILED', ANALYTICS, 'monthly-close in virtual cluster kfa4z7m1q2w3e4r5t6y7u8i9o uses release emr-6.15.0-20240105, older than the minimum emr-7.0.0.'],
    ['emr-3/CreateManagedEndpoint.pass.default-image.json', 'PASSED', `${STUDIO}/endpoints/3kd9s0a2m4n6b8v1c3x5z7l9q`, "uses release emr-7.1.0-latest and runs the release's own image."],
    ['emr-3/CreateManagedEndpoint.fail.untagged-image.json', 'FAILED', `${STUDIO}/endpoints/6hf2j4k6l8z0x2c4v6b8n0m2q`, `runs custom image ${ECR}/notebook-custom/python3, a mutable latest tag`],
    [
      'emr-3/CreateJobTemplate.pass.release-parameter.json',
      'PASSED',
      TEMPLATE,
      `etl-release-per-run takes its release label from the job template parameter \${ReleaseLabel} (set by each run) and runs custom image ${ECR}/emr-custom/spark-etl:7.1.0-20240620.`,
    ],
  ])('%s → %s', async (fixture, status, resourceId, phrase) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), { live: true, config });

    // Assess
    const verdict = verdictOf(outcome, 'EMR.3');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('MEDIUM');
    expect(verdict?.resourceId).toBe(resourceId);
    expect(verdict?.description).toContain(phrase);
    expect(outcome.notEvaluated).toEqual([]);
  });

  it.each([
    ['emr-3/StartJobRun.fail.old-release.json', 'FAILED'],
    ['emr-3/CreateManagedEndpoint.pass.default-image.json', 'PASSED'],
  ])('decides %s offline from the event alone', async (fixture, status) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), { config });

    // Assess
    expect(verdictOf(outcome, 'EMR.3')?.status).toBe(status);
    expect(outcome.notEvaluated).toEqual([]);
  });

  it.each([
    ['emr-3/StartJobRun.fail.latest-image.json', 'emr-containers:DescribeJobRun', /container image \(CloudTrail redacts/],
    ['emr-3/StartJobRun.fail.template-release.json', 'emr-containers:DescribeJobRun', /release label \(from job template bq5wm2d9x0c7v4n1m8l6k3j0h\)/],
    ['emr-3/CreateManagedEndpoint.fail.untagged-image.json', 'emr-containers:DescribeManagedEndpoint', /container image/],
    ['emr-3/CreateJobTemplate.pass.release-parameter.json', 'emr-containers:DescribeJobTemplate', /container image/],
  ])('reports the redacted half of %s as not evaluated offline, never guessed', async (fixture, reader, why) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), { config });

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.notEvaluated).toHaveLength(1);
    expect(outcome.notEvaluated[0]).toMatchObject({ ruleId: 'EMR.3', reason: 'offline', readers: [reader] });
    expect(outcome.notEvaluated[0]?.detail).toMatch(why);
  });

  it('reads the job run named by the response, in its virtual cluster and region', async () => {
    // Act
    await evaluateEvent(loadEvent('emr-3/StartJobRun.pass.pinned-image.json'), { live: true, config });

    // Assess
    expect(emr.commandCalls(DescribeJobRunCommand).map((call) => call.args[0].input)).toEqual([
      { id: '0000000353cc3rs4tu5', virtualClusterId: 'kfa4z7m1q2w3e4r5t6y7u8i9o' },
    ]);
    expect(await emr.call(0).thisValue.config.region()).toBe('eu-west-1');
  });

  it('applies the configured minimum release', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('emr-3/CreateManagedEndpoint.pass.default-image.json'), {
      config: { ...config, minEmrRelease: 'emr-7.2.0' },
    });

    // Assess
    expect(verdictOf(outcome, 'EMR.3')?.status).toBe('FAILED');
    expect(verdictOf(outcome, 'EMR.3')?.description).toContain('uses release emr-7.1.0-latest, older than the minimum emr-7.2.0');
  });

  it('archives the job template on DeleteJobTemplate', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('emr-3/DeleteJobTemplate.archive.json'));

    // Assess
    expect(outcome.archives.map((archive) => [archive.ref.kind, archive.ref.id])).toEqual([['emr-job-template', TEMPLATE]]);
  });
});
