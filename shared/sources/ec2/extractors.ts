/**
 * Event extractors for ec2 CloudTrail calls on launch templates. Pure: no SDK imports.
 *
 * EC2 speaks the Query protocol: requests arrive as `requestParameters.<Op>Request` with
 * PascalCase wire names (singular list names, one-element lists collapsed to an object, scalar
 * list elements wrapped as `{tag, content}`), responses as `responseElements.<Op>Response` in
 * camelCase. Every change judges one version of the template: the one it created or made the
 * default (see `LaunchTemplateState.version`).
 */
import type { Change } from '../../model.ts';
import type { EventExtractor, LaunchTemplateState, Observation, Tags } from '../../state/types.ts';
import { ec2Body, isObject, num, obj, str, tagsOf, toArray } from '../../events/quirks.ts';
import { NODEGROUP_TEMPLATE_EXTRACTORS } from './nodegroup-templates.ts';
import { launchTemplateNameRef, metadataOptionsOf, parseVersion, templateRef } from './template-ref.ts';

/** Tags the request puts on the template itself (`TagSpecification` with ResourceType launch-template). */
export function templateTagsOf(tagSpecification: unknown): Tags {
  const tags: Record<string, string> = {};
  for (const specification of toArray(tagSpecification)) {
    if (str(specification, 'ResourceType') !== 'launch-template') continue;
    Object.assign(tags, tagsOf(isObject(specification) ? specification.Tag : undefined) ?? {});
  }
  return tags;
}

/**
 * What a request's `LaunchTemplateData` says about the version. Without a source version the data
 * IS the version, so what it omits is known absent (`null`). With `SourceVersion` the new version
 * inherits whatever the request omits, so those members stay unknown.
 */
function versionDataOfRequest(data: unknown, inherits: boolean): Pick<LaunchTemplateState, 'metadataOptions' | 'imageId'> {
  if (!isObject(data)) return {};
  const absent = inherits ? undefined : null;
  const state: Pick<LaunchTemplateState, 'metadataOptions' | 'imageId'> = {};
  const image = str(data, 'ImageId');
  if (image !== undefined || !inherits) state.imageId = image ?? null;
  if (isObject(data.MetadataOptions)) state.metadataOptions = metadataOptionsOf(data.MetadataOptions, 'request', absent);
  else if (!inherits) state.metadataOptions = metadataOptionsOf(undefined, 'request', null);
  return state;
}

/** A response's `launchTemplateData` is the resolved version (inheritance applied): nothing is unknown. */
function versionDataOfResponse(data: Readonly<Record<string, unknown>>): Pick<LaunchTemplateState, 'metadataOptions' | 'imageId'> {
  return {
    imageId: str(data, 'imageId') ?? null,
    metadataOptions: metadataOptionsOf(data.metadataOptions, 'response', null),
  };
}

function observation(change: Change, state: LaunchTemplateState, attrs: Readonly<Record<string, string>> = {}): Observation[] {
  const ref = templateRef(change, state.launchTemplateId, state.launchTemplateName, attrs);
  return ref ? [{ kind: 'launch-template', ref, state }] : [];
}

function withoutUndefined(state: LaunchTemplateState): LaunchTemplateState {
  return Object.fromEntries(Object.entries(state).filter(([, value]) => value !== undefined)) as LaunchTemplateState;
}

const createLaunchTemplate: EventExtractor = {
  service: 'ec2',
  eventName: 'CreateLaunchTemplate',
  kinds: ['launch-template'],
  extract(change) {
    const request = ec2Body(change.request, 'CreateLaunchTemplate', 'Request');
    const created = obj(ec2Body(change.response, 'CreateLaunchTemplate', 'Response'), 'launchTemplate');
    const state = withoutUndefined({
      launchTemplateId: str(created, 'launchTemplateId'),
      launchTemplateName: str(created, 'launchTemplateName') ?? str(request, 'LaunchTemplateName'),
      // A new template has exactly one version, and it is the default.
      version: 1,
      ...versionDataOfRequest(obj(request, 'LaunchTemplateData'), false),
      tags: templateTagsOf(request?.TagSpecification),
    });
    return observation(change, state);
  },
};

const createLaunchTemplateVersion: EventExtractor = {
  service: 'ec2',
  eventName: 'CreateLaunchTemplateVersion',
  kinds: ['launch-template'],
  extract(change) {
    const request = ec2Body(change.request, 'CreateLaunchTemplateVersion', 'Request');
    const created = obj(ec2Body(change.response, 'CreateLaunchTemplateVersion', 'Response'), 'launchTemplateVersion');
    const resolved = obj(created, 'launchTemplateData');
    const inherits = request?.SourceVersion !== undefined && request.SourceVersion !== null;
    const version = parseVersion(num(created, 'versionNumber'), '$Latest');
    const state = withoutUndefined({
      launchTemplateId: str(created, 'launchTemplateId') ?? str(request, 'LaunchTemplateId'),
      launchTemplateName: str(created, 'launchTemplateName') ?? str(request, 'LaunchTemplateName'),
      version: version.number,
      ...(resolved ? versionDataOfResponse(resolved) : versionDataOfRequest(obj(request, 'LaunchTemplateData'), inherits)),
    });
    return observation(change, state, version.number === undefined ? { versionSelector: version.selector } : {});
  },
};

const modifyLaunchTemplate: EventExtractor = {
  service: 'ec2',
  eventName: 'ModifyLaunchTemplate',
  kinds: ['launch-template'],
  extract(change) {
    const request = ec2Body(change.request, 'ModifyLaunchTemplate', 'Request');
    const modified = obj(ec2Body(change.response, 'ModifyLaunchTemplate', 'Response'), 'launchTemplate');
    // The response says which version is now the default; the request's `SetDefaultVersion` (a
    // string) is the fallback. The version's data is not in the event: it is read live.
    const version = parseVersion(num(modified, 'defaultVersionNumber') ?? request?.SetDefaultVersion, '$Default');
    const state = withoutUndefined({
      launchTemplateId: str(modified, 'launchTemplateId') ?? str(request, 'LaunchTemplateId'),
      launchTemplateName: str(modified, 'launchTemplateName') ?? str(request, 'LaunchTemplateName'),
      version: version.number,
    });
    return observation(change, state, version.number === undefined ? { versionSelector: '$Default' } : {});
  },
};

const deleteLaunchTemplate: EventExtractor = {
  service: 'ec2',
  eventName: 'DeleteLaunchTemplate',
  kinds: ['launch-template'],
  deletes: true,
  extract(change) {
    const request = ec2Body(change.request, 'DeleteLaunchTemplate', 'Request');
    const deleted = obj(ec2Body(change.response, 'DeleteLaunchTemplate', 'Response'), 'launchTemplate');
    const launchTemplateId = str(deleted, 'launchTemplateId') ?? str(request, 'LaunchTemplateId');
    const launchTemplateName = str(deleted, 'launchTemplateName') ?? str(request, 'LaunchTemplateName');
    const observations: Observation[] = [];
    const byId = templateRef(change, launchTemplateId, launchTemplateName);
    if (byId) {
      const state = withoutUndefined({ launchTemplateId, launchTemplateName });
      observations.push({ kind: 'launch-template', ref: byId, state, deleted: true });
    }
    // Findings a node group opened on the template by its name alone live under the name's ref.
    if (launchTemplateName && launchTemplateId) {
      observations.push({ kind: 'launch-template', ref: launchTemplateNameRef(change, launchTemplateName), state: { launchTemplateName }, deleted: true });
    }
    return observations;
  },
};

export const EC2_EXTRACTORS: readonly EventExtractor[] = [
  createLaunchTemplate,
  createLaunchTemplateVersion,
  modifyLaunchTemplate,
  deleteLaunchTemplate,
  ...NODEGROUP_TEMPLATE_EXTRACTORS,
];
