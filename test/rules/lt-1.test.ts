import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeImagesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  GetInstanceMetadataDefaultsCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { evaluateEvent, loadEvent, testPipeline, verdictOf, verdicts } from '../support/pipeline.ts';

const ec2 = mockClient(EC2Client);

/** An SDK response recorded under test/fixtures/ec2 (dates stay strings: no reader uses them). */
function sdk<T>(name: string): T {
  return JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'ec2', `${name}.json`), 'utf8')) as T;
}

/** The ec2 function's scope, as deployed: other functions' rules on the same eks events stay out. */
const EC2 = { service: 'ec2' } as const;

const arn = (id: string) => `arn:aws:ec2:eu-west-1:111122223333:launch-template/${id}`;

beforeEach(() => {
  ec2.reset();
});

describe('LT.1 offline, decided from the event alone', () => {
  it.each([
    ['CreateLaunchTemplate.pass.required.json', 'PASSED', 'RESOLVED', 'lt-0a1b2c3d4e5f60718', /eks-prod-general \(lt-0a1b2c3d4e5f60718\) version 1 requires IMDSv2/],
    ['CreateLaunchTemplate.fail.optional.json', 'FAILED', undefined, 'lt-0b2c3d4e5f6071829', /legacy-batch \(lt-0b2c3d4e5f6071829\) version 1 allows IMDSv1: HttpTokens is optional \(set by the launch template version\)/],
    ['CreateLaunchTemplate.fail.exempt-collapsed-tag.json', 'FAILED', 'SUPPRESSED', 'lt-0c3d4e5f607182930', /vendor-appliance .* allows IMDSv1/],
    ['CreateLaunchTemplate.pass.imds-disabled.json', 'PASSED', 'RESOLVED', 'lt-0d4e5f60718293a4b', /turns the instance metadata service off \(HttpEndpoint disabled/],
    ['CreateLaunchTemplateVersion.pass.by-name.json', 'PASSED', 'RESOLVED', 'lt-0a1b2c3d4e5f60718', /eks-prod-general \(lt-0a1b2c3d4e5f60718\) version 2 requires IMDSv2/],
    ['CreateLaunchTemplateVersion.fail.resolved-response.json', 'FAILED', undefined, 'lt-0b2c3d4e5f6071829', /version 4 allows IMDSv1/],
    ['CreateLaunchTemplateVersion.pass.source-version-override.json', 'PASSED', 'RESOLVED', 'lt-0b2c3d4e5f6071829', /version 5 requires IMDSv2/],
  ])('%s → %s', async (fixture, status, workflow, templateId, summary) => {
    // Prepare
    const event = loadEvent(`lt-1/${fixture}`);

    // Act
    const outcome = await evaluateEvent(event, EC2);

    // Assess
    const verdict = verdictOf(outcome, 'LT.1');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('HIGH');
    expect(verdict?.workflow).toBe(workflow);
    expect(verdict?.resourceId).toBe(arn(templateId));
    expect(verdict?.description).toMatch(summary);
    expect(outcome.notEvaluated.filter((entry) => entry.ruleId === 'LT.1')).toEqual([]);
    expect(ec2.calls()).toHaveLength(0);
  });

  it.each([
    ['CreateLaunchTemplate.needs-live.omitted-metadata.json', 'ec2:GetInstanceMetadataDefaults'],
    ['CreateLaunchTemplate.needs-live.ssm-image.json', 'ec2:GetInstanceMetadataDefaults'],
    ['CreateLaunchTemplateVersion.needs-live.source-version.json', 'ec2:DescribeLaunchTemplateVersions'],
    ['ModifyLaunchTemplate.needs-live.set-default.json', 'ec2:DescribeLaunchTemplateVersions'],
    ['CreateNodegroup.needs-live.template-id.json', 'ec2:DescribeLaunchTemplateVersions'],
    ['UpdateNodegroupVersion.needs-live.template-name-latest.json', 'ec2:DescribeLaunchTemplateVersions'],
  ])('%s is not evaluated offline: it needs %s, never a guess', async (fixture, reader) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(`lt-1/${fixture}`), EC2);

    // Assess
    expect(verdictOf(outcome, 'LT.1')).toBeUndefined();
    const entry = outcome.notEvaluated.find((candidate) => candidate.ruleId === 'LT.1');
    expect(entry?.reason).toBe('offline');
    expect(entry?.readers).toEqual([reader]);
  });

  it('ignores the failed call (Client.UnauthorizedOperation)', () => {
    // Act
    const parsed = testPipeline(EC2).parse(loadEvent('lt-1/CreateLaunchTemplate.skip.unauthorized.json'));

    // Assess
    expect(parsed).toMatchObject({ ok: false, reason: 'failed-call', detail: 'call failed with Client.UnauthorizedOperation' });
  });

  it('archives the findings of a template deleted by name, under its id and under its name', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('lt-1/DeleteLaunchTemplate.archive.by-name.json'), EC2);

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.archives.map((archive) => archive.ref.id)).toEqual([arn('lt-0c3d4e5f607182930'), arn('name/vendor-appliance')]);
    expect(outcome.archives[0]).toMatchObject({ eventName: 'DeleteLaunchTemplate', eventTime: '2025-01-16T16:48:30.000Z', findingRegion: 'eu-west-1' });
  });
});

describe('LT.1 with live reads (omitted MetadataOptions, inherited fields, version pointers)', () => {
  const omitted = 'lt-1/CreateLaunchTemplate.needs-live.omitted-metadata.json';

  it('passes an omitted HttpTokens when the AMI has ImdsSupport v2.0 and the account sets no default', async () => {
    // Prepare
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves(sdk('get-instance-metadata-defaults.none'));
    ec2.on(DescribeImagesCommand).resolves(sdk('describe-images.imds-v2'));

    // Act
    const outcome = await evaluateEvent(loadEvent(omitted), { ...EC2, live: true });

    // Assess
    const verdict = verdictOf(outcome, 'LT.1');
    expect(verdict?.status).toBe('PASSED');
    expect(verdict?.description).toMatch(/web-frontend \(lt-0e5f60718293a4b5c\) version 1 requires IMDSv2: HttpTokens is required \(AMI ami-0123456789abcdef0's ImdsSupport v2.0/);
    expect(ec2.commandCalls(DescribeImagesCommand).map((call) => call.args[0].input)).toEqual([{ ImageIds: ['ami-0123456789abcdef0'] }]);
    // The event is the whole version: no need to read it back.
    expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand)).toHaveLength(0);
  });

  it('passes an omitted HttpTokens when the account default is required, without describing the AMI', async () => {
    // Prepare
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves(sdk('get-instance-metadata-defaults.required'));

    // Act
    const outcome = await evaluateEvent(loadEvent(omitted), { ...EC2, live: true, config: { disabledRules: ['LT.2'] } });

    // Assess
    const verdict = verdictOf(outcome, 'LT.1');
    expect(verdict?.status).toBe('PASSED');
    expect(verdict?.description).toMatch(/HttpTokens is required \(the account's IMDS default for the region/);
    expect(ec2.commandCalls(GetInstanceMetadataDefaultsCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeImagesCommand)).toHaveLength(0);
  });

  it('fails an omitted HttpTokens when neither the account nor the AMI sets one', async () => {
    // Prepare
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves(sdk('get-instance-metadata-defaults.none'));
    ec2.on(DescribeImagesCommand).resolves(sdk('describe-images.no-imds-support'));
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: 'lt-0e5f60718293a4b5c', Tags: [] }] });

    // Act
    const outcome = await evaluateEvent(loadEvent(omitted), { ...EC2, live: true });

    // Assess
    const verdict = verdictOf(outcome, 'LT.1');
    expect(verdict?.status).toBe('FAILED');
    expect(verdict?.severity).toBe('HIGH');
    expect(verdict?.workflow).toBeUndefined();
    expect(verdict?.description).toMatch(/allows IMDSv1: HttpTokens is optional \(EC2's default/);
    const finding = outcome.updates.find((update) => update.finding.GeneratorId === 'vigil/LT.1')?.finding;
    expect(finding?.ProductFields?.['vigil/evidence/httpTokensSource']).toBe('EC2 default');
    // CreateLaunchTemplate gave the full tag set: the tags reader is not needed.
    expect(ec2.commandCalls(DescribeLaunchTemplatesCommand)).toHaveLength(0);
  });

  it('lets an account default of optional win over an AMI with ImdsSupport v2.0 (EC2 order of precedence)', async () => {
    // Prepare
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { HttpTokens: 'optional' } });
    ec2.on(DescribeImagesCommand).resolves(sdk('describe-images.imds-v2'));

    // Act
    const outcome = await evaluateEvent(loadEvent(omitted), { ...EC2, live: true, config: { disabledRules: ['LT.2'] } });

    // Assess
    expect(verdictOf(outcome, 'LT.1')?.status).toBe('FAILED');
    expect(ec2.commandCalls(DescribeImagesCommand)).toHaveLength(0);
  });

  it('does not describe an SSM-parameter ImageId and says why it assumes no ImdsSupport', async () => {
    // Prepare
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves(sdk('get-instance-metadata-defaults.none'));

    // Act
    const outcome = await evaluateEvent(loadEvent('lt-1/CreateLaunchTemplate.needs-live.ssm-image.json'), { ...EC2, live: true });

    // Assess
    const finding = outcome.updates.find((update) => update.finding.GeneratorId === 'vigil/LT.1')?.finding;
    expect(finding?.Compliance?.Status).toBe('FAILED');
    expect(finding?.ProductFields?.['vigil/evidence/ami']).toMatch(/SSM parameter resolved at each launch/);
    expect(finding?.ProductFields?.['vigil/evidence/imageId']).toBe(
      'resolve:ssm:/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/recommended/image_id',
    );
    expect(ec2.commandCalls(DescribeImagesCommand)).toHaveLength(0);
  });

  it('reads the inherited MetadataOptions of a version created from a SourceVersion', async () => {
    // Prepare
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves(sdk('describe-launch-template-versions.legacy-batch-v3'));
    ec2.on(DescribeLaunchTemplatesCommand).resolves(sdk('describe-launch-templates.legacy-batch'));

    // Act
    const outcome = await evaluateEvent(loadEvent('lt-1/CreateLaunchTemplateVersion.needs-live.source-version.json'), { ...EC2, live: true });

    // Assess
    const verdict = verdictOf(outcome, 'LT.1');
    expect(verdict?.status).toBe('FAILED');
    expect(verdict?.resourceId).toBe(arn('lt-0b2c3d4e5f6071829'));
    expect(verdict?.description).toMatch(/legacy-batch \(lt-0b2c3d4e5f6071829\) version 3 allows IMDSv1/);
    expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand).map((call) => call.args[0].input)).toEqual([
      { LaunchTemplateId: 'lt-0b2c3d4e5f6071829', Versions: ['3'] },
    ]);
    // Tags were unknown for a FAILED verdict: read once for the exemption check.
    expect(ec2.commandCalls(DescribeLaunchTemplatesCommand).map((call) => call.args[0].input)).toEqual([{ LaunchTemplateIds: ['lt-0b2c3d4e5f6071829'] }]);
    const finding = outcome.updates.find((update) => update.finding.GeneratorId === 'vigil/LT.1')?.finding;
    expect(finding?.Resources?.[0]?.Tags).toEqual({ team: 'platform', env: 'prod' });
  });

  it('judges the new default version of ModifyLaunchTemplate, read live', async () => {
    // Prepare
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves(sdk('describe-launch-template-versions.legacy-batch-v5'));

    // Act
    const outcome = await evaluateEvent(loadEvent('lt-1/ModifyLaunchTemplate.needs-live.set-default.json'), { ...EC2, live: true });

    // Assess
    const verdict = verdictOf(outcome, 'LT.1');
    expect(verdict?.status).toBe('PASSED');
    expect(verdict?.workflow).toBe('RESOLVED');
    expect(verdict?.description).toMatch(/legacy-batch \(lt-0b2c3d4e5f6071829\) version 5 requires IMDSv2/);
    expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand).map((call) => call.args[0].input)).toEqual([
      { LaunchTemplateId: 'lt-0b2c3d4e5f6071829', Versions: ['5'] },
    ]);
  });

  it('judges the version an EKS node group uses, on the template finding', async () => {
    // Prepare: the node group pins version 5; pretend it still allowed IMDSv1.
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({
      LaunchTemplateVersions: [
        {
          LaunchTemplateId: 'lt-0b2c3d4e5f6071829',
          LaunchTemplateName: 'legacy-batch',
          VersionNumber: 5,
          LaunchTemplateData: { MetadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 2 } },
        },
      ],
    });
    ec2.on(DescribeLaunchTemplatesCommand).resolves(sdk('describe-launch-templates.legacy-batch'));

    // Act
    const outcome = await evaluateEvent(loadEvent('lt-1/CreateNodegroup.needs-live.template-id.json'), { ...EC2, live: true });

    // Assess
    const verdict = verdictOf(outcome, 'LT.1');
    expect(verdict?.status).toBe('FAILED');
    expect(verdict?.resourceId).toBe(arn('lt-0b2c3d4e5f6071829'));
    expect(verdict?.description).toMatch(/legacy-batch \(lt-0b2c3d4e5f6071829\) version 5 \(used by EKS node group prod\/general-v2\) allows IMDSv1/);
    expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand)[0]?.args[0].input).toEqual({ LaunchTemplateId: 'lt-0b2c3d4e5f6071829', Versions: ['5'] });
  });

  it('resolves $Latest of a node group that names its template only by name', async () => {
    // Prepare
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves(sdk('describe-launch-template-versions.eks-prod-gpu-latest'));

    // Act
    const outcome = await evaluateEvent(loadEvent('lt-1/UpdateNodegroupVersion.needs-live.template-name-latest.json'), { ...EC2, live: true });

    // Assess
    const verdict = verdictOf(outcome, 'LT.1');
    expect(verdict?.status).toBe('PASSED');
    expect(verdict?.resourceId).toBe(arn('name/eks-prod-gpu'));
    expect(verdict?.description).toMatch(/EC2 launch template eks-prod-gpu version 6 \(used by EKS node group prod\/gpu\) requires IMDSv2/);
    expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand).map((call) => call.args[0].input)).toEqual([
      { LaunchTemplateName: 'eks-prod-gpu', Versions: ['$Latest'] },
    ]);
    const finding = outcome.updates.find((update) => update.finding.GeneratorId === 'vigil/LT.1')?.finding;
    expect(finding?.Resources?.[0]?.Details?.AwsEc2LaunchTemplate?.Id).toBe('lt-0718293a4b5c6d7e8');
  });
});
