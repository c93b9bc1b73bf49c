/**
 * How launch-template observations are named, shared by the EC2 extractors and the node-group
 * extractors. Pure: no SDK imports.
 */
import type { Change, ResourceRef } from '../../model.ts';
import type { MetadataOptions } from '../../state/types.ts';
import { isObject, num, str } from '../../events/quirks.ts';
import { launchTemplateRef } from '../refs.ts';

/**
 * `$Latest` / `$Default`: the version a change uses when it names no number. Kept in
 * `ref.attrs.versionSelector` so that the version reader resolves the right one.
 */
export type VersionSelector = '$Latest' | '$Default';

export interface TemplateVersion {
  /** The version number, when the event pins one. */
  number?: number;
  /** What to resolve live when `number` is absent. */
  selector: VersionSelector;
}

/**
 * A version as CloudTrail writes it: a number, a number string (`SetDefaultVersion`, node groups'
 * `launchTemplate.version`), `$Latest` or `$Default`. Absent means the template's default version.
 */
export function parseVersion(value: unknown, whenAbsent: VersionSelector = '$Default'): TemplateVersion {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return { number: value, selector: whenAbsent };
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d+$/.test(text) && Number(text) > 0) return { number: Number(text), selector: whenAbsent };
    if (text.toLowerCase() === '$latest') return { selector: '$Latest' };
    if (text.toLowerCase() === '$default') return { selector: '$Default' };
  }
  return { selector: whenAbsent };
}

/**
 * A launch template known only by its name (an EKS node group can name its template that way, and
 * UpdateNodegroupVersion's response gives no id). The id cannot be resolved without a live call, and
 * extractors are pure, so such a template gets its own stable id, distinct from every id-keyed one
 * (`launch-template/name/...` can never be `launch-template/lt-...`). DeleteLaunchTemplate archives both.
 */
export function launchTemplateNameRef(change: Change, launchTemplateName: string): ResourceRef {
  return {
    kind: 'launch-template',
    id: `arn:${change.partition}:ec2:${change.region}:${change.accountId}:launch-template/name/${launchTemplateName}`,
    name: launchTemplateName,
    accountId: change.accountId,
    region: change.region,
    partition: change.partition,
    attrs: { launchTemplateName },
  };
}

/**
 * The canonical ref of a template: by id whenever the event carries one (the same id that
 * CreateLaunchTemplate's response gave), by name only when nothing else is known.
 */
export function templateRef(
  change: Change,
  launchTemplateId: string | undefined,
  launchTemplateName: string | undefined,
  extraAttrs: Readonly<Record<string, string>> = {},
): ResourceRef | undefined {
  const base = launchTemplateId
    ? launchTemplateRef(change, launchTemplateId, launchTemplateName)
    : launchTemplateName
      ? launchTemplateNameRef(change, launchTemplateName)
      : undefined;
  if (!base) return undefined;
  return { ...base, attrs: { ...base.attrs, ...extraAttrs } };
}

/**
 * MetadataOptions written in a version. `keys` gives the member names: PascalCase wire names in
 * requests, camelCase in responses. `absent` is what a member the version does not write becomes:
 * `null` when the data is the whole version, `undefined` when omitted members are inherited.
 */
export function metadataOptionsOf(
  value: unknown,
  casing: 'request' | 'response',
  absent: null | undefined,
): MetadataOptions {
  const source = isObject(value) ? value : {};
  const names =
    casing === 'request'
      ? { tokens: 'HttpTokens', hops: 'HttpPutResponseHopLimit', endpoint: 'HttpEndpoint' }
      : { tokens: 'httpTokens', hops: 'httpPutResponseHopLimit', endpoint: 'httpEndpoint' };
  const options: MetadataOptions = {};
  const tokens = str(source, names.tokens);
  const hops = num(source, names.hops);
  const endpoint = str(source, names.endpoint);
  if (tokens !== undefined || absent === null) options.httpTokens = tokens ?? null;
  if (hops !== undefined || absent === null) options.httpPutResponseHopLimit = hops ?? null;
  if (endpoint !== undefined || absent === null) options.httpEndpoint = endpoint ?? null;
  return options;
}
