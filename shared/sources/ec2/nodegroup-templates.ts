/**
 * EKS node-group calls seen as launch-template changes: "When a template is given, LT.1/LT.2 are
 * evaluated on the version it uses" (rules.md, NG.1). These extractors have service `eks` and emit
 * `launch-template` observations, so only the ec2 function (which owns that kind) evaluates them.
 * Pure: no SDK imports.
 *
 * The event never carries the template's data, so the version is always read live
 * (DescribeLaunchTemplateVersions); offline these observations are "not evaluated".
 */
import type { Change } from '../../model.ts';
import type { EventExtractor, LaunchTemplateState, Observation } from '../../state/types.ts';
import { decodePathParameter, isObject, obj, str, toArray } from '../../events/quirks.ts';
import { parseVersion, templateRef } from './template-ref.ts';

/** A node group's `launchTemplate {id | name, version}`; the version is a string or absent. */
interface TemplateSpec {
  id?: string;
  name?: string;
  version?: unknown;
}

function specOf(value: unknown): TemplateSpec | undefined {
  if (!isObject(value)) return undefined;
  const spec: TemplateSpec = {};
  const id = str(value, 'id');
  const name = str(value, 'name');
  if (id) spec.id = id;
  if (name) spec.name = name;
  if (value.version !== undefined && value.version !== null) spec.version = value.version;
  return spec.id || spec.name ? spec : undefined;
}

/** UpdateNodegroupVersion's response lists what changes as `update.params[{type, value}]`. */
function updateParam(response: unknown, type: string): string | undefined {
  for (const param of toArray(obj(response, 'update')?.params)) {
    if (str(param, 'type')?.toLowerCase() === type.toLowerCase()) return str(param, 'value');
  }
  return undefined;
}

/**
 * One observation for the template version a node group uses. The id comes from the request or,
 * when the request named the template, from the response (EKS reports the template it resolved).
 * A number the response pins wins over the request's `$Latest` / `$Default`: it is the version
 * EKS actually launched with.
 */
function nodegroupTemplateObservation(change: Change, requested: TemplateSpec, resolved: TemplateSpec | undefined, pinnedVersion?: string): Observation[] {
  const clusterName = str(change.request, 'name');
  const nodegroupName = str(change.request, 'nodegroupName') ?? str(obj(change.response, 'nodegroup'), 'nodegroupName');
  const launchTemplateId = requested.id ?? resolved?.id;
  const launchTemplateName = requested.name ?? resolved?.name;
  const fromRequest = parseVersion(requested.version, '$Default');
  const fromResponse = parseVersion(pinnedVersion ?? resolved?.version, fromRequest.selector);
  const version = fromResponse.number !== undefined ? fromResponse : fromRequest;
  const attrs: Record<string, string> = {};
  if (version.number === undefined) attrs.versionSelector = version.selector;
  if (clusterName && nodegroupName) attrs.nodegroup = `${decodePathParameter(clusterName)}/${decodePathParameter(nodegroupName)}`;
  const ref = templateRef(change, launchTemplateId, launchTemplateName, attrs);
  if (!ref) return [];
  const state: LaunchTemplateState = {};
  if (launchTemplateId) state.launchTemplateId = launchTemplateId;
  if (launchTemplateName) state.launchTemplateName = launchTemplateName;
  if (version.number !== undefined) state.version = version.number;
  return [{ kind: 'launch-template', ref, state }];
}

const createNodegroup: EventExtractor = {
  service: 'eks',
  eventName: 'CreateNodegroup',
  kinds: ['launch-template'],
  extract(change) {
    const requested = specOf(change.request.launchTemplate);
    // A node group without a custom launch template is NG.1's concern, not LT.1/LT.2's.
    if (!requested) return [];
    return nodegroupTemplateObservation(change, requested, specOf(obj(change.response, 'nodegroup')?.launchTemplate));
  },
};

const updateNodegroupVersion: EventExtractor = {
  service: 'eks',
  eventName: 'UpdateNodegroupVersion',
  kinds: ['launch-template'],
  extract(change) {
    const requested = specOf(change.request.launchTemplate);
    // A Kubernetes or AMI release upgrade without a template leaves the template version as it is.
    if (!requested) return [];
    return nodegroupTemplateObservation(change, requested, undefined, updateParam(change.response, 'LaunchTemplateVersion'));
  },
};

export const NODEGROUP_TEMPLATE_EXTRACTORS: readonly EventExtractor[] = [createNodegroup, updateNodegroupVersion];
