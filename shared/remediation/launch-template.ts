/**
 * LT.1 and LT.2 repair the same way: a new version of the launch template, made from its current
 * default version with only `MetadataOptions` set, then made the default. Launch template versions
 * are immutable, and a `MetadataOptions` given with `SourceVersion` replaces the inherited one as
 * a whole, so the new version repeats every metadata field the source writes (HttpEndpoint,
 * HttpProtocolIpv6, InstanceMetadataTags) and changes only the ones being fixed. Fields the source
 * does not write stay unwritten: their effective value keeps coming from the account defaults or
 * the AMI, as before.
 *
 * Both rules fail together on most templates, and their requests arrive together: each plan makes
 * the fixes of every opted-in LT rule that fails (`alsoFixes`), so whichever version ends up the
 * default has both fixes, and the second request finds the template compliant.
 */
import {
  type CreateLaunchTemplateVersionCommandOutput,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  type LaunchTemplateInstanceMetadataOptions,
  type LaunchTemplateInstanceMetadataOptionsRequest,
} from '@aws-sdk/client-ec2';
import type { RemediableRuleId } from '../config.ts';
import { versionMetadataOptions } from '../sources/ec2/readers.ts';
import type { AwsClients, Subject } from '../state/types.ts';
import { CREATED_VERSION, sendCall } from './calls.ts';
import type { Applied, Inspection, Permission, Plan, PlanContext, PlannedRemediation, RemediationCall } from './types.ts';

export const LAUNCH_TEMPLATE_GROUP = 'launch-template-metadata';

export interface TemplateFacts {
  /** The default version's `MetadataOptions` exactly as written; `null` when it writes none. */
  metadataOptions: LaunchTemplateInstanceMetadataOptions | null;
}

export const LAUNCH_TEMPLATE_PERMISSIONS: readonly Permission[] = [
  {
    actions: ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate'],
    resources: ['arn:${partition}:ec2:${region}:${account}:launch-template/*'],
  },
  // Describe calls support no resource-level permissions.
  { actions: ['ec2:DescribeLaunchTemplateVersions'], resources: ['*'] },
];

/** What each rule's fix writes into `MetadataOptions`. */
const FIXES: Partial<Record<RemediableRuleId, LaunchTemplateInstanceMetadataOptionsRequest>> = {
  'LT.1': { HttpTokens: 'required' },
  'LT.2': { HttpPutResponseHopLimit: 1 },
};

const FIX_WORDS: Partial<Record<RemediableRuleId, string>> = {
  'LT.1': 'HttpTokens required',
  'LT.2': 'HttpPutResponseHopLimit 1',
};

function selector(subject: Subject<'launch-template'>): { LaunchTemplateId: string } | { LaunchTemplateName: string } | undefined {
  const id = subject.state.launchTemplateId ?? subject.ref.attrs.launchTemplateId;
  if (id) return { LaunchTemplateId: id };
  const name = subject.state.launchTemplateName ?? subject.ref.attrs.launchTemplateName;
  return name ? { LaunchTemplateName: name } : undefined;
}

/**
 * The template's current default version, read live: the version to repair is the one instances
 * launch with now, whichever version the triggering change named.
 */
export async function inspectDefaultVersion(subject: Subject<'launch-template'>, aws: AwsClients): Promise<Inspection<'launch-template', TemplateFacts>> {
  const which = selector(subject);
  if (!which) return { found: false };
  const output = await aws
    .client(EC2Client, subject.ref.region)
    .send(new DescribeLaunchTemplateVersionsCommand({ ...which, Versions: ['$Default'] }));
  const version = output.LaunchTemplateVersions?.[0];
  if (!version || typeof version.VersionNumber !== 'number') return { found: false };
  const raw = version.LaunchTemplateData?.MetadataOptions;
  return {
    found: true,
    state: {
      ...(version.LaunchTemplateId ? { launchTemplateId: version.LaunchTemplateId } : {}),
      ...(version.LaunchTemplateName ? { launchTemplateName: version.LaunchTemplateName } : {}),
      version: version.VersionNumber,
      metadataOptions: versionMetadataOptions(raw),
      imageId: version.LaunchTemplateData?.ImageId ?? null,
    },
    facts: { metadataOptions: raw ?? null },
  };
}

/** The request-side copy of the metadata fields a version writes (the response adds `State`). */
function writtenFields(options: LaunchTemplateInstanceMetadataOptions | null): LaunchTemplateInstanceMetadataOptionsRequest {
  const written: LaunchTemplateInstanceMetadataOptionsRequest = {};
  if (!options) return written;
  if (options.HttpTokens !== undefined) written.HttpTokens = options.HttpTokens;
  if (options.HttpPutResponseHopLimit !== undefined) written.HttpPutResponseHopLimit = options.HttpPutResponseHopLimit;
  if (options.HttpEndpoint !== undefined) written.HttpEndpoint = options.HttpEndpoint;
  if (options.HttpProtocolIpv6 !== undefined) written.HttpProtocolIpv6 = options.HttpProtocolIpv6;
  if (options.InstanceMetadataTags !== undefined) written.InstanceMetadataTags = options.InstanceMetadataTags;
  return written;
}

export function planTemplate(ruleId: RemediableRuleId, subject: Subject<'launch-template'>, context: PlanContext<TemplateFacts>): Plan {
  const { ref, state } = subject;
  const version = state.version;
  const which = selector(subject);
  if (typeof version !== 'number' || !which) {
    return { status: 'NOT_REMEDIABLE', reason: `the default version of EC2 launch template ${ref.name} could not be read` };
  }
  const fixed = (['LT.1', 'LT.2'] as const).filter((id) => id === ruleId || context.alsoFixes.has(id));
  const before = writtenFields(context.facts.metadataOptions);
  const after: LaunchTemplateInstanceMetadataOptionsRequest = { ...before };
  for (const id of fixed) Object.assign(after, FIXES[id]);
  const words = fixed.map((id) => FIX_WORDS[id]).join(' and ');
  const calls: RemediationCall[] = [
    {
      service: 'ec2',
      command: 'CreateLaunchTemplateVersion',
      input: {
        ...which,
        SourceVersion: String(version),
        VersionDescription: `Vigil remediation (${fixed.join(', ')}) of version ${version}`,
        LaunchTemplateData: { MetadataOptions: after },
        ClientToken: context.token,
      },
    },
    {
      service: 'ec2',
      command: 'ModifyLaunchTemplate',
      input: { ...which, DefaultVersion: CREATED_VERSION, ClientToken: `${context.token}-default` },
    },
  ];
  const nodegroup = ref.attrs.nodegroup
    ? ` EKS node group ${ref.attrs.nodegroup} keeps the version it was given until it is moved to the new one (UpdateNodegroupVersion).`
    : '';
  return {
    status: 'PLANNED',
    calls,
    summary:
      `New version of EC2 launch template ${ref.name} from its default version ${version} with ${words}, made the default; ` +
      `nothing else in the template changes.${nodegroup}`,
    before: { defaultVersion: version, metadataOptions: before },
    after: { defaultVersion: '(the new version)', metadataOptions: after },
  };
}

/** Creates the version, then makes the number EC2 gave it the default. */
export async function applyTemplate(plan: PlannedRemediation, subject: Subject<'launch-template'>, aws: AwsClients): Promise<Applied> {
  const [create, makeDefault] = plan.calls;
  if (create?.command !== 'CreateLaunchTemplateVersion' || makeDefault?.command !== 'ModifyLaunchTemplate') {
    throw new Error('launch template plan must create a version, then make it the default');
  }
  const output = (await sendCall(create, aws, subject.ref)) as CreateLaunchTemplateVersionCommandOutput;
  const created = output.LaunchTemplateVersion?.VersionNumber;
  if (typeof created !== 'number') throw new Error('CreateLaunchTemplateVersion returned no version number');
  const sent: RemediationCall = { ...makeDefault, input: { ...makeDefault.input, DefaultVersion: String(created) } };
  await sendCall(sent, aws, subject.ref);
  return { calls: [create, sent], after: { ...plan.after, defaultVersion: created } };
}

