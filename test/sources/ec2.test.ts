import {
  DescribeImagesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  GetInstanceMetadataDefaultsCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClientCache } from '#shared/aws/clients.ts';
import { parseChange } from '#shared/events/cloudtrail.ts';
import type { Change } from '#shared/model.ts';
import { createRegistry } from '#shared/registry.ts';
import { RULES } from '#shared/rules/index.ts';
import { EC2_EXTRACTORS } from '#shared/sources/ec2/extractors.ts';
import { LT_READERS } from '#shared/sources/ec2/reader-ids.ts';
import { accountDefaultsOf, EC2_READERS } from '#shared/sources/ec2/readers.ts';
import { parseVersion } from '#shared/sources/ec2/template-ref.ts';
import { EXPANDERS, EXTRACTORS } from '#shared/sources/extractors.ts';
import { ALL_READERS } from '#shared/sources/readers.ts';
import { KINDS } from '#shared/state/kinds.ts';
import type { Observation, StateReader, Subject } from '#shared/state/types.ts';
import { evaluateEvent, loadEvent, statuses } from '../support/pipeline.ts';

const ec2 = mockClient(EC2Client);
const aws = createClientCache({ maxAttempts: 1 });

beforeEach(() => {
  ec2.reset();
});

/** The change a fixture carries, parsed by the real edge. */
function changeOf(fixture: string): Change {
  const parsed = parseChange(loadEvent(fixture), () => true);
  if (!parsed.ok) throw new Error(`${fixture}: ${parsed.detail}`);
  return parsed.change;
}

function extract(fixture: string): Observation[] {
  const change = changeOf(fixture);
  return EC2_EXTRACTORS.filter((extractor) => extractor.service === change.service && extractor.eventName === change.eventName).flatMap((extractor) =>
    extractor.extract(change),
  );
}

function withRequest(fixture: string, edit: (request: Record<string, unknown>) => void): Change {
  const change = changeOf(fixture);
  const request = structuredClone(change.request) as Record<string, unknown>;
  edit(request);
  return { ...change, request };
}

function reader(id: string): StateReader<'launch-template'> {
  const found = EC2_READERS.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no reader ${id}`);
  return found as StateReader<'launch-template'>;
}

function subject(state: Subject<'launch-template'>['state'], attrs: Record<string, string> = { launchTemplateId: 'lt-0b2c3d4e5f6071829' }): Subject<'launch-template'> {
  return {
    kind: 'launch-template',
    ref: {
      kind: 'launch-template',
      id: 'arn:aws:ec2:eu-west-1:111122223333:launch-template/lt-0b2c3d4e5f6071829',
      name: 'legacy-batch (lt-0b2c3d4e5f6071829)',
      accountId: '111122223333',
      region: 'eu-west-1',
      partition: 'aws',
      attrs,
    },
    state,
  };
}

describe('EC2 launch-template extractors', () => {
  it('reads CreateLaunchTemplate: version 1, MetadataOptions as numbers, tags of a 2-element list', () => {
    // Act
    const [observation, ...rest] = extract('lt-1/CreateLaunchTemplate.pass.required.json');

    // Assess
    expect(rest).toEqual([]);
    expect(observation?.ref).toMatchObject({
      id: 'arn:aws:ec2:eu-west-1:111122223333:launch-template/lt-0a1b2c3d4e5f60718',
      name: 'eks-prod-general (lt-0a1b2c3d4e5f60718)',
      attrs: { launchTemplateId: 'lt-0a1b2c3d4e5f60718', launchTemplateName: 'eks-prod-general' },
    });
    expect(observation?.state).toEqual({
      launchTemplateId: 'lt-0a1b2c3d4e5f60718',
      launchTemplateName: 'eks-prod-general',
      version: 1,
      imageId: 'ami-0c1d2e3f4a5b6c7d8',
      metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' },
      tags: { team: 'platform', env: 'prod' },
    });
  });

  it('reads a collapsed one-element TagSpecification and Tag', () => {
    // Act
    const [observation] = extract('lt-1/CreateLaunchTemplate.fail.exempt-collapsed-tag.json');

    // Assess
    expect(observation?.state).toMatchObject({ tags: { 'compliance:exempt': 'LT.1' } });
  });

  it('marks MetadataOptions fields a new template omits as known absent (null), and no tags as none', () => {
    // Prepare
    const change = withRequest('lt-1/CreateLaunchTemplate.pass.required.json', (request) => {
      const body = request.CreateLaunchTemplateRequest as Record<string, unknown>;
      body.LaunchTemplateData = { InstanceType: 'm6i.large', MetadataOptions: { HttpTokens: 'required' } };
      delete body.TagSpecification;
    });

    // Act
    const observations = EC2_EXTRACTORS.find((extractor) => extractor.eventName === 'CreateLaunchTemplate')?.extract(change);

    // Assess
    expect(observations?.[0]?.state).toMatchObject({
      imageId: null,
      metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: null, httpEndpoint: null },
      tags: {},
    });
  });

  it('leaves what a SourceVersion version inherits unknown', () => {
    // Act
    const [inheritsAll] = extract('lt-1/CreateLaunchTemplateVersion.needs-live.source-version.json');
    const [overridesTokens] = extract('lt-1/CreateLaunchTemplateVersion.pass.source-version-override.json');

    // Assess
    expect(inheritsAll?.state).toEqual({
      launchTemplateId: 'lt-0b2c3d4e5f6071829',
      launchTemplateName: 'legacy-batch',
      version: 3,
      imageId: 'ami-0e3f4a5b6c7d8e9f0',
    });
    expect(overridesTokens?.state).toMatchObject({ version: 5, metadataOptions: { httpTokens: 'required' } });
    const options = (overridesTokens?.state as { metadataOptions?: object }).metadataOptions;
    expect(options).toEqual({ httpTokens: 'required' });
    expect('imageId' in (overridesTokens?.state ?? {})).toBe(false);
  });

  it('takes the resolved launchTemplateData of the response over the request', () => {
    // Act
    const [observation] = extract('lt-1/CreateLaunchTemplateVersion.fail.resolved-response.json');

    // Assess
    expect(observation?.state).toMatchObject({
      version: 4,
      imageId: 'ami-0c1d2e3f4a5b6c7d8',
      metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled' },
    });
  });

  it('names a version created by template name with the id from the response', () => {
    // Act
    const [observation] = extract('lt-1/CreateLaunchTemplateVersion.pass.by-name.json');

    // Assess
    expect(observation?.ref.id).toBe('arn:aws:ec2:eu-west-1:111122223333:launch-template/lt-0a1b2c3d4e5f60718');
    expect(observation?.state).toMatchObject({ version: 2, metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1, httpEndpoint: null } });
  });

  it('judges the new default of ModifyLaunchTemplate, from the response or the SetDefaultVersion string', () => {
    // Prepare
    const withoutResponse = { ...changeOf('lt-1/ModifyLaunchTemplate.needs-live.set-default.json'), response: null };
    const modify = EC2_EXTRACTORS.find((extractor) => extractor.eventName === 'ModifyLaunchTemplate');

    // Act
    const [fromResponse] = extract('lt-1/ModifyLaunchTemplate.needs-live.set-default.json');
    const [fromRequest] = modify?.extract(withoutResponse) ?? [];

    // Assess
    expect(fromResponse?.state).toEqual({ launchTemplateId: 'lt-0b2c3d4e5f6071829', launchTemplateName: 'legacy-batch', version: 5 });
    expect(fromRequest?.state).toEqual({ launchTemplateId: 'lt-0b2c3d4e5f6071829', version: 5 });
    expect(fromRequest?.ref.id).toBe(fromResponse?.ref.id);
  });

  it('deletes by id and by name, so findings opened under either ref are archived', () => {
    // Act
    const observations = extract('lt-1/DeleteLaunchTemplate.archive.by-name.json');

    // Assess
    expect(observations.map((observation) => [observation.ref.id, observation.deleted])).toEqual([
      ['arn:aws:ec2:eu-west-1:111122223333:launch-template/lt-0c3d4e5f607182930', true],
      ['arn:aws:ec2:eu-west-1:111122223333:launch-template/name/vendor-appliance', true],
    ]);
    expect(EC2_EXTRACTORS.find((extractor) => extractor.eventName === 'DeleteLaunchTemplate')?.deletes).toBe(true);
  });
});

describe('EKS node-group template extractors', () => {
  it('emits the template version a new node group pins, with the node group for the verdict', () => {
    // Act
    const observations = extract('lt-1/CreateNodegroup.needs-live.template-id.json');

    // Assess
    expect(observations).toHaveLength(1);
    expect(observations[0]).toMatchObject({
      kind: 'launch-template',
      ref: { id: 'arn:aws:ec2:eu-west-1:111122223333:launch-template/lt-0b2c3d4e5f6071829', attrs: { nodegroup: 'prod/general-v2' } },
      state: { launchTemplateId: 'lt-0b2c3d4e5f6071829', version: 5 },
    });
  });

  it('takes the id and version EKS resolved when the request gave a name and no version', () => {
    // Act
    const [observation] = extract('lt-2/CreateNodegroup.needs-live.template-name-default.json');

    // Assess
    expect(observation?.ref.id).toBe('arn:aws:ec2:eu-west-1:111122223333:launch-template/lt-02b3c4d5e6f708192');
    expect(observation?.state).toEqual({ launchTemplateId: 'lt-02b3c4d5e6f708192', launchTemplateName: 'eks-stage-ingress', version: 1 });
    expect(observation?.ref.attrs.versionSelector).toBeUndefined();
  });

  it('keys a template known only by name on its name, and keeps $Latest for the reader', () => {
    // Act
    const [observation] = extract('lt-1/UpdateNodegroupVersion.needs-live.template-name-latest.json');

    // Assess
    expect(observation?.ref).toMatchObject({
      id: 'arn:aws:ec2:eu-west-1:111122223333:launch-template/name/eks-prod-gpu',
      attrs: { launchTemplateName: 'eks-prod-gpu', versionSelector: '$Latest', nodegroup: 'prod/gpu' },
    });
    expect(observation?.state).toEqual({ launchTemplateName: 'eks-prod-gpu' });
  });

  it('uses the default version when the request gives none, and emits nothing without a template', () => {
    // Prepare
    const noVersion = withRequest('lt-1/UpdateNodegroupVersion.needs-live.template-name-latest.json', (request) => {
      request.launchTemplate = { id: 'lt-0718293a4b5c6d7e8' };
    });
    const noTemplate = withRequest('lt-1/UpdateNodegroupVersion.needs-live.template-name-latest.json', (request) => {
      delete request.launchTemplate;
      request.version = '1.32';
    });
    const update = EC2_EXTRACTORS.find((extractor) => extractor.service === 'eks' && extractor.eventName === 'UpdateNodegroupVersion');

    // Act
    const [defaulted] = update?.extract({ ...noVersion, response: null }) ?? [];
    const none = update?.extract(noTemplate);

    // Assess
    expect(defaulted?.ref.attrs).toMatchObject({ launchTemplateId: 'lt-0718293a4b5c6d7e8', versionSelector: '$Default' });
    expect(defaulted?.state).not.toHaveProperty('version');
    expect(none).toEqual([]);
  });

  it.each([
    ['4', { number: 4, selector: '$Default' }],
    [7, { number: 7, selector: '$Default' }],
    ['$Latest', { selector: '$Latest' }],
    ['$Default', { selector: '$Default' }],
    [undefined, { selector: '$Default' }],
    ['0', { selector: '$Default' }],
    ['latest-ish', { selector: '$Default' }],
  ])('parses the version %j', (value, expected) => {
    expect(parseVersion(value)).toEqual(expected);
  });
});

describe('EC2 launch-template readers', () => {
  it('reads the judged version by number, absent MetadataOptions fields as null', async () => {
    // Prepare
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({
      LaunchTemplateVersions: [{ LaunchTemplateId: 'lt-0b2c3d4e5f6071829', LaunchTemplateName: 'legacy-batch', VersionNumber: 3, LaunchTemplateData: { ImageId: 'ami-0e3f4a5b6c7d8e9f0' } }],
    });

    // Act
    const result = await reader(LT_READERS.versions).read(subject({ version: 3 }), aws);

    // Assess
    expect(result).toEqual({
      found: true,
      state: {
        launchTemplateId: 'lt-0b2c3d4e5f6071829',
        launchTemplateName: 'legacy-batch',
        version: 3,
        imageId: 'ami-0e3f4a5b6c7d8e9f0',
        metadataOptions: { httpTokens: null, httpPutResponseHopLimit: null, httpEndpoint: null },
      },
    });
    expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand)[0]?.args[0].input).toEqual({ LaunchTemplateId: 'lt-0b2c3d4e5f6071829', Versions: ['3'] });
  });

  it('reads $Default when the version is unknown, by name when the id is', async () => {
    // Prepare
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({ LaunchTemplateVersions: [{ VersionNumber: 2, LaunchTemplateData: {} }] });

    // Act
    await reader(LT_READERS.versions).read(subject({}, { launchTemplateName: 'eks-prod-gpu' }), aws);

    // Assess
    expect(ec2.commandCalls(DescribeLaunchTemplateVersionsCommand)[0]?.args[0].input).toEqual({ LaunchTemplateName: 'eks-prod-gpu', Versions: ['$Default'] });
  });

  it('reads the tags of a template, and says when it is gone', async () => {
    // Prepare
    ec2.on(DescribeLaunchTemplatesCommand).resolvesOnce({ LaunchTemplates: [{ LaunchTemplateId: 'lt-0b2c3d4e5f6071829', LaunchTemplateName: 'legacy-batch', Tags: [{ Key: 'compliance:exempt', Value: 'all' }] }] }).resolvesOnce({ LaunchTemplates: [] });

    // Act
    const present = await reader(LT_READERS.templates).read(subject({}), aws);
    const gone = await reader(LT_READERS.templates).read(subject({}), aws);

    // Assess
    expect(present).toEqual({ found: true, state: { tags: { 'compliance:exempt': 'all' }, launchTemplateId: 'lt-0b2c3d4e5f6071829', launchTemplateName: 'legacy-batch' } });
    expect(gone).toEqual({ found: false });
    expect(ec2.commandCalls(DescribeLaunchTemplatesCommand)[0]?.args[0].input).toEqual({ LaunchTemplateIds: ['lt-0b2c3d4e5f6071829'] });
  });

  it("reads an AMI's ImdsSupport, and treats a missing AMI as none (never as a deleted template)", async () => {
    // Prepare
    ec2.on(DescribeImagesCommand, { ImageIds: ['ami-0123456789abcdef0'] }).resolves({ Images: [{ ImageId: 'ami-0123456789abcdef0', ImdsSupport: 'v2.0' }] });
    ec2.on(DescribeImagesCommand, { ImageIds: ['ami-0fffffffffffffff0'] }).rejects(Object.assign(new Error('The image id does not exist'), { name: 'InvalidAMIID.NotFound' }));

    // Act
    const supported = await reader(LT_READERS.images).read(subject({ imageId: 'ami-0123456789abcdef0' }), aws);
    const missing = await reader(LT_READERS.images).read(subject({ imageId: 'ami-0fffffffffffffff0' }), aws);
    const alias = await reader(LT_READERS.images).read(subject({ imageId: 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64' }), aws);

    // Assess
    expect(supported).toEqual({ found: true, state: { amiImdsSupport: 'v2.0' } });
    expect(missing).toEqual({ found: true, state: { amiImdsSupport: null } });
    expect(alias).toEqual({ found: true, state: { amiImdsSupport: null } });
    expect(ec2.commandCalls(DescribeImagesCommand)).toHaveLength(2);
  });

  it('reads account defaults, with an absent field or a hop limit of -1 as not set', async () => {
    // Prepare
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { HttpTokens: 'required', HttpPutResponseHopLimit: -1 } });

    // Act
    const result = await reader(LT_READERS.accountDefaults).read(subject({}), aws);

    // Assess
    expect(result).toEqual({ found: true, state: { accountImdsDefaults: { httpTokens: 'required', httpPutResponseHopLimit: null, httpEndpoint: null } } });
    expect(accountDefaultsOf(undefined)).toBeNull();
    expect(accountDefaultsOf({ HttpPutResponseHopLimit: -1, ManagedBy: 'account' })).toBeNull();
  });
});

describe('live read errors through the pipeline', () => {
  it('archives the template findings when the template is gone (InvalidLaunchTemplateId.NotFound)', async () => {
    // Prepare
    ec2.on(DescribeLaunchTemplateVersionsCommand).rejects(Object.assign(new Error("The specified launch template, with template ID lt-0b2c3d4e5f6071829, does not exist."), { name: 'InvalidLaunchTemplateId.NotFound' }));

    // Act
    const outcome = await evaluateEvent(loadEvent('lt-1/ModifyLaunchTemplate.needs-live.set-default.json'), { service: 'ec2', live: true });

    // Assess
    expect(outcome.updates).toEqual([]);
    expect(outcome.notEvaluated).toEqual([]);
    expect(outcome.archives.map((archive) => archive.ref.id)).toContain('arn:aws:ec2:eu-west-1:111122223333:launch-template/lt-0b2c3d4e5f6071829');
  });

  it('reports "not evaluated" when Vigil may not read (UnauthorizedOperation), and never guesses', async () => {
    // Prepare
    ec2.on(DescribeLaunchTemplateVersionsCommand).rejects(Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation' }));

    // Act
    const outcome = await evaluateEvent(loadEvent('lt-1/ModifyLaunchTemplate.needs-live.set-default.json'), { service: 'ec2', live: true });

    // Assess
    expect(statuses(outcome)).toEqual(['NOT_AVAILABLE']);
    expect(outcome.archives).toEqual([]);
    expect(outcome.notEvaluated.map((entry) => [entry.ruleId, entry.reason, entry.readers])).toEqual([
      ['LT.1', 'access-denied', ['ec2:DescribeLaunchTemplateVersions']],
      ['LT.2', 'access-denied', ['ec2:DescribeLaunchTemplateVersions']],
    ]);
  });

  it('lets other errors propagate, so the event is retried', async () => {
    // Prepare
    ec2.on(DescribeLaunchTemplateVersionsCommand).rejects(Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' }));

    // Act / Assess
    await expect(evaluateEvent(loadEvent('lt-1/ModifyLaunchTemplate.needs-live.set-default.json'), { service: 'ec2', live: true })).rejects.toThrow('Request limit exceeded.');
  });
});

describe('registry wiring for launch templates', () => {
  const ec2Scope = createRegistry({ rules: RULES, extractors: EXTRACTORS, expanders: EXPANDERS, readers: ALL_READERS, service: 'ec2' });

  it('routes the ec2 and eks triggers, and DeleteLaunchTemplate, to the ec2 function', () => {
    expect(ec2Scope.eventNames().get('ec2')).toEqual(['CreateLaunchTemplate', 'CreateLaunchTemplateVersion', 'DeleteLaunchTemplate', 'ModifyLaunchTemplate']);
    expect(ec2Scope.eventNames().get('eks')).toEqual(['CreateNodegroup', 'UpdateNodegroupVersion']);
    expect(ec2Scope.rulesFor('launch-template', 'eks', 'UpdateNodegroupVersion').map((rule) => rule.id)).toEqual(['LT.1', 'LT.2']);
  });

  it('grants the ec2 function exactly the four read actions', () => {
    expect(ec2Scope.requiredActions()).toEqual([
      'ec2:DescribeImages',
      'ec2:DescribeLaunchTemplateVersions',
      'ec2:DescribeLaunchTemplates',
      'ec2:GetInstanceMetadataDefaults',
    ]);
  });

  it('leaves launch-template observations out of the eks function', () => {
    const eksScope = createRegistry({ rules: RULES, extractors: EXTRACTORS, expanders: EXPANDERS, readers: ALL_READERS, service: 'eks' });
    expect(eksScope.rulesFor('launch-template', 'eks', 'CreateNodegroup')).toEqual([]);
  });

  it("uses DescribeLaunchTemplates as the kind's tags reader, with reader ids equal to their one action", () => {
    expect(KINDS['launch-template'].tagsReader).toBe(LT_READERS.templates);
    for (const read of EC2_READERS) expect(read.actions).toEqual([read.id]);
  });
});
