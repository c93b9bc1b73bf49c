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
import { ASFF_LIMITS } from '#shared/findings/asff.ts';
import { lt2HopLimit } from '#shared/rules/ec2/lt-2-hop-limit.ts';
import { evaluateEvent, loadEvent, testPipeline, verdictOf, verdicts } from '../support/pipeline.ts';

const ec2 = mockClient(EC2Client);

function sdk<T>(name: string): T {
  return JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'ec2', `${name}.json`), 'utf8')) as T;
}

/** The ec2 function's scope, as deployed. */
const EC2 = { service: 'ec2' } as const;
const arn = (id: string) => `arn:aws:ec2:eu-west-1:111122223333:launch-template/${id}`;

beforeEach(() => {
  ec2.reset();
});

describe('LT.2 offline, decided from the event alone', () => {
  it.each([
    ['CreateLaunchTemplate.pass.hop-1.json', 'PASSED', 'RESOLVED', 'lt-01a2b3c4d5e6f7081', /eks-stage-general \(lt-01a2b3c4d5e6f7081\) version 1 keeps IMDSv2 on the host network: HttpPutResponseHopLimit is 1/],
    ['CreateLaunchTemplate.fail.hop-2.json', 'FAILED', undefined, 'lt-02b3c4d5e6f708192', /lets containers reach IMDSv2 .*HttpPutResponseHopLimit is 2 \(set by the launch template version\)/],
    ['CreateLaunchTemplate.fail.exempt-collapsed-tag.json', 'FAILED', 'SUPPRESSED', 'lt-05e6f708192a3b4c5', /alb-controller-nodes .*HttpPutResponseHopLimit is 2/],
    ['CreateLaunchTemplate.pass.imds-disabled.json', 'PASSED', 'RESOLVED', 'lt-04d5e6f708192a3b4', /turns the instance metadata service off \(HttpEndpoint disabled, set by the launch template version\)/],
  ])('%s → %s', async (fixture, status, workflow, templateId, summary) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(`lt-2/${fixture}`), EC2);

    // Assess
    const verdict = verdictOf(outcome, 'LT.2');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('MEDIUM');
    expect(verdict?.workflow).toBe(workflow);
    expect(verdict?.resourceId).toBe(arn(templateId));
    expect(verdict?.description).toMatch(summary);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('judges the hop limit apart from HttpTokens: IMDSv2 required with hop limit 2 passes LT.1, fails LT.2', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('lt-2/CreateLaunchTemplate.fail.hop-2.json'), EC2);

    // Assess
    expect(verdictOf(outcome, 'LT.1')?.status).toBe('PASSED');
    expect(verdictOf(outcome, 'LT.2')?.status).toBe('FAILED');
  });

  it('explains in evidence why a disabled endpoint passes', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('lt-2/CreateLaunchTemplate.pass.imds-disabled.json'), EC2);

    // Assess
    const finding = outcome.updates.find((update) => update.finding.GeneratorId === 'vigil/LT.2')?.finding;
    expect(finding?.ProductFields?.['vigil/evidence/httpEndpoint']).toBe('disabled');
    expect(finding?.ProductFields?.['vigil/evidence/imds']).toMatch(/no process or pod on the instance can read credentials/);
  });

  it.each([
    ['CreateLaunchTemplate.needs-live.hop-omitted.json', 'ec2:GetInstanceMetadataDefaults'],
    ['CreateLaunchTemplateVersion.needs-live.source-version.json', 'ec2:DescribeLaunchTemplateVersions'],
    ['ModifyLaunchTemplate.needs-live.set-default.json', 'ec2:DescribeLaunchTemplateVersions'],
    ['CreateNodegroup.needs-live.template-name-default.json', 'ec2:DescribeLaunchTemplateVersions'],
  ])('%s is not evaluated offline (needs %s)', async (fixture, reader) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(`lt-2/${fixture}`), EC2);

    // Assess
    expect(verdictOf(outcome, 'LT.2')).toBeUndefined();
    expect(outcome.notEvaluated.find((entry) => entry.ruleId === 'LT.2')).toMatchObject({ reason: 'offline', readers: [reader] });
  });

  it('ignores the failed CreateLaunchTemplateVersion', () => {
    // Act
    const parsed = testPipeline(EC2).parse(loadEvent('lt-2/CreateLaunchTemplateVersion.skip.unauthorized.json'));

    // Assess
    expect(parsed).toMatchObject({ ok: false, reason: 'failed-call' });
  });

  it('archives on DeleteLaunchTemplate by id', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('lt-2/DeleteLaunchTemplate.archive.by-id.json'), EC2);

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.archives.map((archive) => archive.ref.id)).toEqual([arn('lt-02b3c4d5e6f708192'), arn('name/eks-stage-ingress')]);
  });

  it('warns in its recommendation that hop limit 1 breaks pods needing IMDS, within the ASFF limit', () => {
    expect(lt2HopLimit.recommendation.text).toMatch(/AWS Load Balancer Controller/);
    expect(lt2HopLimit.recommendation.text).toMatch(/hostNetwork: true/);
    expect(lt2HopLimit.recommendation.text.length).toBeLessThanOrEqual(ASFF_LIMITS.recommendationText);
  });
});

describe('LT.2 with live reads', () => {
  const omitted = 'lt-2/CreateLaunchTemplate.needs-live.hop-omitted.json';

  it.each([
    ['no account default, AMI ImdsSupport v2.0', 'get-instance-metadata-defaults.none', 'describe-images.imds-v2', 'FAILED', /HttpPutResponseHopLimit is 2 \(AMI ami-0a9b8c7d6e5f40312's ImdsSupport v2.0/],
    ['no account default, AMI without ImdsSupport', 'get-instance-metadata-defaults.none', 'describe-images.no-imds-support', 'PASSED', /HttpPutResponseHopLimit is 1 \(EC2's default/],
  ])('omitted hop limit, %s → %s', async (_case, defaults, images, status, summary) => {
    // Prepare
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves(sdk(defaults));
    ec2.on(DescribeImagesCommand).resolves(sdk(images));
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: 'lt-03c4d5e6f708192a3', Tags: [] }] });

    // Act
    const outcome = await evaluateEvent(loadEvent(omitted), { ...EC2, live: true });

    // Assess
    const verdict = verdictOf(outcome, 'LT.2');
    expect(verdict?.status).toBe(status);
    expect(verdict?.description).toMatch(summary);
    expect(ec2.commandCalls(DescribeImagesCommand).map((call) => call.args[0].input)).toEqual([{ ImageIds: ['ami-0a9b8c7d6e5f40312'] }]);
  });

  it('takes an account hop-limit default before the AMI, and does not describe the AMI', async () => {
    // Prepare
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { HttpPutResponseHopLimit: 1, ManagedBy: 'account' } });

    // Act
    const outcome = await evaluateEvent(loadEvent(omitted), { ...EC2, live: true });

    // Assess
    expect(verdictOf(outcome, 'LT.2')?.status).toBe('PASSED');
    expect(verdictOf(outcome, 'LT.2')?.description).toMatch(/the account's IMDS default/);
    expect(ec2.commandCalls(DescribeImagesCommand)).toHaveLength(0);
  });

  it('reads the hop limit a SourceVersion version inherits', async () => {
    // Prepare
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves(sdk('describe-launch-template-versions.eks-stage-general-v2'));
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: 'lt-01a2b3c4d5e6f7081', Tags: [{ Key: 'compliance:exempt', Value: 'LT.2' }] }] });

    // Act
    const outcome = await evaluateEvent(loadEvent('lt-2/CreateLaunchTemplateVersion.needs-live.source-version.json'), { ...EC2, live: true });

    // Assess: failed, but the tags read live exempt it.
    const verdict = verdictOf(outcome, 'LT.2');
    expect(verdict?.status).toBe('FAILED');
    expect(verdict?.workflow).toBe('SUPPRESSED');
    expect(verdict?.description).toMatch(/eks-stage-general \(lt-01a2b3c4d5e6f7081\) version 2 lets containers reach IMDSv2/);
    expect(outcome.violations).toEqual([]);
    expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand)[0]?.args[0].input).toEqual({ LaunchTemplateId: 'lt-01a2b3c4d5e6f7081', Versions: ['2'] });
  });

  it('judges the new default version after ModifyLaunchTemplate', async () => {
    // Prepare
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves(sdk('describe-launch-template-versions.eks-stage-general-v2'));
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: 'lt-01a2b3c4d5e6f7081', Tags: [] }] });

    // Act
    const outcome = await evaluateEvent(loadEvent('lt-2/ModifyLaunchTemplate.needs-live.set-default.json'), { ...EC2, live: true });

    // Assess
    expect(verdictOf(outcome, 'LT.2')).toMatchObject({ status: 'FAILED', severity: 'MEDIUM', resourceId: arn('lt-01a2b3c4d5e6f7081') });
    expect(outcome.violations.map((violation) => violation.rule.id)).toEqual(['LT.2']);
  });

  it('uses the id and version EKS resolved for a node group that named its template without a version', async () => {
    // Prepare
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({
      LaunchTemplateVersions: [
        {
          LaunchTemplateId: 'lt-02b3c4d5e6f708192',
          LaunchTemplateName: 'eks-stage-ingress',
          VersionNumber: 1,
          LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' } },
        },
      ],
    });
    ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateId: 'lt-02b3c4d5e6f708192', Tags: [] }] });

    // Act
    const outcome = await evaluateEvent(loadEvent('lt-2/CreateNodegroup.needs-live.template-name-default.json'), { ...EC2, live: true });

    // Assess
    const verdict = verdictOf(outcome, 'LT.2');
    expect(verdict?.status).toBe('FAILED');
    expect(verdict?.resourceId).toBe(arn('lt-02b3c4d5e6f708192'));
    expect(verdict?.description).toMatch(/version 1 \(used by EKS node group stage\/ingress\)/);
    expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand)[0]?.args[0].input).toEqual({ LaunchTemplateId: 'lt-02b3c4d5e6f708192', Versions: ['1'] });
  });
});
