/** Live readers (Describe/Get calls) for ec2 resources. Each declares its IAM actions. */
import {
  DescribeImagesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  GetInstanceMetadataDefaultsCommand,
  type InstanceMetadataDefaultsResponse,
  type LaunchTemplateInstanceMetadataOptions,
} from '@aws-sdk/client-ec2';
import type { ResourceRef } from '../../model.ts';
import type { LaunchTemplateState, MetadataOptions, StateReader } from '../../state/types.ts';
import { LT_READERS } from './reader-ids.ts';

/** Which template a ref names: by id when known, else by name (node groups may give only that). */
function templateSelector(ref: ResourceRef, state: LaunchTemplateState): { LaunchTemplateId: string } | { LaunchTemplateName: string } {
  const id = ref.attrs.launchTemplateId ?? state.launchTemplateId;
  if (id) return { LaunchTemplateId: id };
  const name = ref.attrs.launchTemplateName ?? state.launchTemplateName;
  if (name) return { LaunchTemplateName: name };
  throw new Error(`launch template ref ${ref.id} names neither an id nor a name`);
}

/** A version's MetadataOptions: what it does not write is `null` (known absent). */
export function versionMetadataOptions(options: LaunchTemplateInstanceMetadataOptions | undefined): MetadataOptions {
  return {
    httpTokens: options?.HttpTokens ?? null,
    httpPutResponseHopLimit: options?.HttpPutResponseHopLimit ?? null,
    httpEndpoint: options?.HttpEndpoint ?? null,
  };
}

/**
 * Account/region defaults. A field GetInstanceMetadataDefaults leaves out is not set; so is a
 * `no-preference` or a hop limit of -1, the values ModifyInstanceMetadataDefaults clears a default
 * with, should they ever be echoed. `null` when no default is set at all.
 */
export function accountDefaultsOf(level: InstanceMetadataDefaultsResponse | undefined): MetadataOptions | null {
  const preference = (value: string | undefined) => (value && value !== 'no-preference' ? value : null);
  const hops = level?.HttpPutResponseHopLimit;
  const defaults: MetadataOptions = {
    httpTokens: preference(level?.HttpTokens),
    httpPutResponseHopLimit: typeof hops === 'number' && hops > 0 ? hops : null,
    httpEndpoint: preference(level?.HttpEndpoint),
  };
  return Object.values(defaults).some((value) => value !== null) ? defaults : null;
}

/** The judged version, or the one the change resolved to (`$Latest`, `$Default`) when it named none. */
const describeLaunchTemplateVersions: StateReader<'launch-template'> = {
  id: LT_READERS.versions,
  kind: 'launch-template',
  actions: ['ec2:DescribeLaunchTemplateVersions'],
  async read(subject, aws) {
    const { ref, state } = subject;
    const version = typeof state.version === 'number' ? String(state.version) : (ref.attrs.versionSelector ?? '$Default');
    const ec2 = aws.client(EC2Client, ref.region);
    const output = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ ...templateSelector(ref, state), Versions: [version] }));
    const found = output.LaunchTemplateVersions?.[0];
    if (!found) return { found: false };
    const read: Partial<LaunchTemplateState> = {
      metadataOptions: versionMetadataOptions(found.LaunchTemplateData?.MetadataOptions),
      // Left as written: an SSM alias (`resolve:ssm:...`) resolves at each launch, so the AMI it
      // points to today says nothing about the next instance.
      imageId: found.LaunchTemplateData?.ImageId ?? null,
    };
    if (found.LaunchTemplateId) read.launchTemplateId = found.LaunchTemplateId;
    if (found.LaunchTemplateName) read.launchTemplateName = found.LaunchTemplateName;
    if (typeof found.VersionNumber === 'number') read.version = found.VersionNumber;
    return { found: true, state: read };
  },
};

/** Tags, for exemptions; also the id of a template known only by name. */
const describeLaunchTemplates: StateReader<'launch-template'> = {
  id: LT_READERS.templates,
  kind: 'launch-template',
  actions: ['ec2:DescribeLaunchTemplates'],
  async read(subject, aws) {
    const { ref, state } = subject;
    const selector = templateSelector(ref, state);
    const ec2 = aws.client(EC2Client, ref.region);
    const output = await ec2.send(
      new DescribeLaunchTemplatesCommand(
        'LaunchTemplateId' in selector ? { LaunchTemplateIds: [selector.LaunchTemplateId] } : { LaunchTemplateNames: [selector.LaunchTemplateName] },
      ),
    );
    const template = output.LaunchTemplates?.[0];
    if (!template) return { found: false };
    const tags: Record<string, string> = {};
    for (const tag of template.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
    const read: Partial<LaunchTemplateState> = { tags };
    if (template.LaunchTemplateId) read.launchTemplateId = template.LaunchTemplateId;
    if (template.LaunchTemplateName) read.launchTemplateName = template.LaunchTemplateName;
    return { found: true, state: read };
  },
};

/** AMI ids; anything else (an SSM alias, nothing) cannot be described. */
const AMI_ID = /^ami-[0-9a-f]+$/;

/**
 * The AMI's ImdsSupport. A missing or unshared AMI must not read as "the template is gone" (the
 * pipeline would archive the template's findings), so its errors become "no ImdsSupport": nothing
 * launches from a missing AMI anyway.
 */
const describeImages: StateReader<'launch-template'> = {
  id: LT_READERS.images,
  kind: 'launch-template',
  actions: ['ec2:DescribeImages'],
  async read(subject, aws) {
    const imageId = subject.state.imageId;
    if (!imageId || !AMI_ID.test(imageId)) return { found: true, state: { amiImdsSupport: null } };
    const ec2 = aws.client(EC2Client, subject.ref.region);
    try {
      const output = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
      return { found: true, state: { amiImdsSupport: output.Images?.[0]?.ImdsSupport ?? null } };
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name.startsWith('InvalidAMIID.')) return { found: true, state: { amiImdsSupport: null } };
      throw error;
    }
  },
};

/** Account/region IMDS defaults (ModifyInstanceMetadataDefaults, or a declarative policy). */
const getInstanceMetadataDefaults: StateReader<'launch-template'> = {
  id: LT_READERS.accountDefaults,
  kind: 'launch-template',
  actions: ['ec2:GetInstanceMetadataDefaults'],
  async read(subject, aws) {
    const ec2 = aws.client(EC2Client, subject.ref.region);
    const output = await ec2.send(new GetInstanceMetadataDefaultsCommand({}));
    return { found: true, state: { accountImdsDefaults: accountDefaultsOf(output.AccountLevel) } };
  },
};

export const EC2_READERS: readonly StateReader[] = [
  describeLaunchTemplateVersions,
  describeLaunchTemplates,
  describeImages,
  getInstanceMetadataDefaults,
];
