/**
 * The IMDS settings an instance launched from a launch template version actually gets, shared by
 * LT.1 and LT.2. Pure: it decides over state and says which live reads it lacks.
 *
 * Per field, the first of these that sets it wins (EC2 User Guide, "Order of precedence for
 * instance metadata options"; the API reference spells it out for HttpTokens: an AMI with
 * `ImdsSupport: v2.0` gives `required` only while the account default is `no-preference`):
 *   1. the launch template version;
 *   2. the account/region default (ModifyInstanceMetadataDefaults or a declarative policy);
 *   3. the AMI's `ImdsSupport: v2.0` (HttpTokens required, hop limit 2);
 *   4. EC2's default (HttpTokens optional, hop limit 1).
 * A field the version does not write therefore needs the account defaults and maybe the AMI: the
 * reads are asked for one at a time, only as far as the answer needs them.
 */
import type { ReaderId, LaunchTemplateState, Subject } from '../../state/types.ts';
import { LT_READERS } from '../../sources/ec2/reader-ids.ts';

export type ImdsField = 'httpTokens' | 'httpPutResponseHopLimit';
type ValueOf<F extends ImdsField> = F extends 'httpTokens' ? string : number;

const WIRE_NAME: Record<ImdsField | 'httpEndpoint', string> = {
  httpTokens: 'HttpTokens',
  httpPutResponseHopLimit: 'HttpPutResponseHopLimit',
  httpEndpoint: 'HttpEndpoint',
};

const EC2_DEFAULT: { [F in ImdsField]: ValueOf<F> } = { httpTokens: 'optional', httpPutResponseHopLimit: 1 };
const AMI_IMDS_V2: { [F in ImdsField]: ValueOf<F> } = { httpTokens: 'required', httpPutResponseHopLimit: 2 };

export type Resolution<T> =
  | { status: 'NEEDS'; readers: readonly ReaderId[]; why: string }
  | {
      status: 'KNOWN';
      value: T;
      /** Where the value comes from, as a phrase: "set by the launch template version". */
      source: string;
      /** Facts behind it, for the verdict's evidence. */
      evidence: Record<string, string>;
    };

function needs<T>(reader: ReaderId, why: string): Resolution<T> {
  return { status: 'NEEDS', readers: [reader], why };
}

/** What the version itself writes: `undefined` unknown (not in the event), `null` not written. */
function written<F extends ImdsField | 'httpEndpoint'>(state: LaunchTemplateState, field: F): string | number | null | undefined {
  const options = state.metadataOptions;
  if (options === undefined) return undefined;
  if (options === null) return null;
  return options[field];
}

/** The effective value of one field, or the read that is missing to know it. */
export function effectiveValue<F extends ImdsField>(state: LaunchTemplateState, field: F): Resolution<ValueOf<F>> {
  const wire = WIRE_NAME[field];
  const own = written(state, field);
  if (own === undefined) {
    return needs(LT_READERS.versions, `the judged version's MetadataOptions.${wire} is not in the event (inherited, or the call names only the version)`);
  }
  if (own !== null) {
    return { status: 'KNOWN', value: own as ValueOf<F>, source: 'set by the launch template version', evidence: { [`${field}Source`]: 'launch template version' } };
  }

  if (state.accountImdsDefaults === undefined) {
    return needs(LT_READERS.accountDefaults, `the version does not set MetadataOptions.${wire}, so the account's IMDS defaults decide it`);
  }
  const accountValue = state.accountImdsDefaults?.[field];
  if (accountValue !== undefined && accountValue !== null) {
    return {
      status: 'KNOWN',
      value: accountValue as ValueOf<F>,
      source: "the account's IMDS default for the region, since the version does not set it",
      evidence: { [`${field}Source`]: 'account/region default (GetInstanceMetadataDefaults)' },
    };
  }

  const imageId = state.imageId;
  if (imageId === undefined) return needs(LT_READERS.versions, "the version's ImageId is not in the event");
  const fallback = {
    status: 'KNOWN' as const,
    value: EC2_DEFAULT[field],
    source: "EC2's default, since neither the version, the account defaults nor the AMI set it",
  };
  if (imageId === null) {
    return {
      ...fallback,
      evidence: {
        [`${field}Source`]: 'EC2 default',
        ami: 'The version names no AMI: the AMI chosen at launch (by EKS or by the caller) is not part of the template, so no ImdsSupport is assumed.',
      },
    };
  }
  if (imageId.startsWith('resolve:ssm:')) {
    return {
      ...fallback,
      evidence: {
        [`${field}Source`]: 'EC2 default',
        imageId,
        ami: 'The ImageId is an SSM parameter resolved at each launch: it cannot be described, and the AMI it names can change, so no ImdsSupport is assumed.',
      },
    };
  }
  if (state.amiImdsSupport === undefined) {
    return needs(LT_READERS.images, `neither the version nor the account defaults set MetadataOptions.${wire}, so AMI ${imageId}'s ImdsSupport decides it`);
  }
  if (state.amiImdsSupport === 'v2.0') {
    return {
      status: 'KNOWN',
      value: AMI_IMDS_V2[field],
      source: `AMI ${imageId}'s ImdsSupport v2.0, since neither the version nor the account defaults set it`,
      evidence: { [`${field}Source`]: 'AMI ImdsSupport v2.0', imageId },
    };
  }
  return { ...fallback, evidence: { [`${field}Source`]: 'EC2 default', imageId, amiImdsSupport: state.amiImdsSupport ?? 'none' } };
}

export type EndpointState =
  | { disabled: true; source: string }
  | { disabled: false }
  /** Inherited from a source version and not read yet. */
  | { disabled: undefined };

/**
 * Whether the version turns IMDS off (`HttpEndpoint: disabled`): then nothing on the instance,
 * pod or host, can read credentials from it, whatever HttpTokens or the hop limit say. An account
 * default is honoured when the account defaults are known; they are never read for this alone.
 */
export function endpointState(state: LaunchTemplateState): EndpointState {
  const own = written(state, 'httpEndpoint');
  if (own === undefined) return { disabled: undefined };
  if (own === 'disabled') return { disabled: true, source: 'the launch template version' };
  if (own === null && state.accountImdsDefaults?.httpEndpoint === 'disabled') return { disabled: true, source: "the account's IMDS default for the region" };
  return { disabled: false };
}

/** "EC2 launch template web (lt-0abc) version 3 (used by EKS node group prod/ng-1)". */
export function templateLabel(subject: Subject<'launch-template'>): string {
  const { ref, state } = subject;
  const version =
    typeof state.version === 'number' ? `version ${state.version}` : ref.attrs.versionSelector === '$Latest' ? 'latest version' : 'default version';
  const usedBy = ref.attrs.nodegroup ? ` (used by EKS node group ${ref.attrs.nodegroup})` : '';
  return `EC2 launch template ${ref.name} ${version}${usedBy}`;
}

/** Evidence every LT verdict carries. */
export function baseEvidence(subject: Subject<'launch-template'>): Record<string, string> {
  const { ref, state } = subject;
  const evidence: Record<string, string> = {};
  if (typeof state.version === 'number') evidence.version = String(state.version);
  else evidence.version = ref.attrs.versionSelector ?? '$Default';
  if (ref.attrs.nodegroup) evidence.nodegroup = ref.attrs.nodegroup;
  return evidence;
}
