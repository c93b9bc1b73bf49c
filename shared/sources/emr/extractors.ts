/**
 * Event extractors for EMR on EKS (`emr-containers`) CloudTrail calls. Pure: no SDK imports.
 *
 * REST-JSON: URI labels (`virtualClusterId`, `endpointId`, `templateId`) appear in
 * `requestParameters` under their label names; the SDK member name (`id`) is accepted as well.
 * CloudTrail redacts `configurationOverrides…properties` and the job driver's parameters, so the
 * container image is usually unknown here (see `containerImageOf`).
 */
import type { Change } from '../../model.ts';
import { obj, str, tagsOf } from '../../events/quirks.ts';
import type { EmrWorkload, EventExtractor, Observation } from '../../state/types.ts';
import { jobTemplateRef, managedEndpointRef, virtualClusterRef } from '../refs.ts';
import { containerImageOf, stringMap } from './workload.ts';

/** A string member, or `undefined` when absent or not a string. */
function text(source: unknown, key: string): string | undefined {
  const value = str(source, key);
  return value === undefined || value === '' ? undefined : value;
}

function virtualClusterIdOf(change: Change): string | undefined {
  return text(change.request, 'virtualClusterId') ?? text(change.response, 'virtualClusterId');
}

/**
 * StartJobRun: the run's verdicts live on its virtual cluster (job runs are short-lived, and the
 * next compliant run must resolve the finding). A run from a job template usually names no role
 * or release: they stay unknown, and the job run reader fills them from the template.
 */
const startJobRun: EventExtractor = {
  service: 'emr-containers',
  eventName: 'StartJobRun',
  kinds: ['emr-virtual-cluster'],
  extract(change) {
    const virtualClusterId = virtualClusterIdOf(change);
    if (!virtualClusterId) return [];
    const request = change.request;
    const jobRunId = text(change.response, 'id');
    const jobTemplateId = text(request, 'jobTemplateId');
    const jobTemplateParameters = stringMap(request.jobTemplateParameters);
    const fromTemplate = jobTemplateId !== undefined;
    const name = text(request, 'name') ?? text(change.response, 'name');
    const executionRoleArn = text(request, 'executionRoleArn');
    const releaseLabel = text(request, 'releaseLabel');
    const workload: EmrWorkload = {
      source: 'job-run',
      ...(jobRunId ? { id: jobRunId } : {}),
      ...(name ? { name } : {}),
      // Without a template both are required by the API; with one they come from the template.
      ...(executionRoleArn ? { executionRoleArn } : fromTemplate ? {} : { executionRoleArn: null }),
      ...(releaseLabel ? { releaseLabel } : fromTemplate ? {} : { releaseLabel: null }),
      jobTemplateId: jobTemplateId ?? null,
      // The template can set an image the run's own (visible) settings do not show.
      ...(fromTemplate ? {} : { containerImage: containerImageOf(request.configurationOverrides, request.jobDriver) }),
    };
    const ref = virtualClusterRef(change, virtualClusterId);
    const observation: Observation<'emr-virtual-cluster'> = {
      kind: 'emr-virtual-cluster',
      ref: {
        ...ref,
        attrs: {
          ...ref.attrs,
          ...(jobRunId ? { jobRunId } : {}),
          ...(jobTemplateId ? { jobTemplateId } : {}),
          ...(Object.keys(jobTemplateParameters).length > 0 ? { jobTemplateParameters: JSON.stringify(jobTemplateParameters) } : {}),
        },
      },
      // The run's `tags` are the run's, not the virtual cluster's: exemptions read the cluster's.
      state: { virtualClusterId, workload },
    };
    return [observation];
  },
};

const createManagedEndpoint: EventExtractor = {
  service: 'emr-containers',
  eventName: 'CreateManagedEndpoint',
  kinds: ['emr-managed-endpoint'],
  extract(change) {
    const virtualClusterId = virtualClusterIdOf(change);
    const endpointId = text(change.response, 'id');
    if (!virtualClusterId || !endpointId) return [];
    const request = change.request;
    const name = text(request, 'name') ?? text(change.response, 'name');
    const observation: Observation<'emr-managed-endpoint'> = {
      kind: 'emr-managed-endpoint',
      ref: managedEndpointRef(change, virtualClusterId, endpointId),
      state: {
        virtualClusterId,
        endpointId,
        workload: {
          source: 'managed-endpoint',
          id: endpointId,
          ...(name ? { name } : {}),
          executionRoleArn: text(request, 'executionRoleArn') ?? null,
          releaseLabel: text(request, 'releaseLabel') ?? null,
          jobTemplateId: null,
          containerImage: containerImageOf(request.configurationOverrides, undefined),
        },
        // A new endpoint carries exactly the tags it was created with.
        tags: tagsOf(request.tags) ?? {},
      },
    };
    return [observation];
  },
};

/**
 * CreateJobTemplate: role and release may be `${Param}` placeholders, kept as written (the rules
 * treat them as decided per run, not at definition time).
 */
const createJobTemplate: EventExtractor = {
  service: 'emr-containers',
  eventName: 'CreateJobTemplate',
  kinds: ['emr-job-template'],
  extract(change) {
    const jobTemplateId = text(change.response, 'id');
    if (!jobTemplateId) return [];
    const request = change.request;
    const data = obj(request, 'jobTemplateData');
    const name = text(request, 'name') ?? text(change.response, 'name');
    const observation: Observation<'emr-job-template'> = {
      kind: 'emr-job-template',
      ref: jobTemplateRef(change, jobTemplateId),
      state: {
        jobTemplateId,
        workload: {
          source: 'job-template',
          id: jobTemplateId,
          ...(name ? { name } : {}),
          executionRoleArn: text(data, 'executionRoleArn') ?? null,
          releaseLabel: text(data, 'releaseLabel') ?? null,
          jobTemplateId,
          containerImage: data ? containerImageOf(data.configurationOverrides, data.jobDriver) : undefined,
        },
        tags: tagsOf(request.tags) ?? {},
      },
    };
    return [observation];
  },
};

const deleteVirtualCluster: EventExtractor = {
  service: 'emr-containers',
  eventName: 'DeleteVirtualCluster',
  kinds: ['emr-virtual-cluster'],
  deletes: true,
  extract(change) {
    const virtualClusterId = text(change.request, 'virtualClusterId') ?? text(change.request, 'id') ?? text(change.response, 'id');
    if (!virtualClusterId) return [];
    return [{ kind: 'emr-virtual-cluster', ref: virtualClusterRef(change, virtualClusterId), state: { virtualClusterId }, deleted: true }];
  },
};

const deleteManagedEndpoint: EventExtractor = {
  service: 'emr-containers',
  eventName: 'DeleteManagedEndpoint',
  kinds: ['emr-managed-endpoint'],
  deletes: true,
  extract(change) {
    const virtualClusterId = virtualClusterIdOf(change);
    const endpointId = text(change.request, 'endpointId') ?? text(change.request, 'id') ?? text(change.response, 'id');
    if (!virtualClusterId || !endpointId) return [];
    return [
      {
        kind: 'emr-managed-endpoint',
        ref: managedEndpointRef(change, virtualClusterId, endpointId),
        state: { virtualClusterId, endpointId },
        deleted: true,
      },
    ];
  },
};

const deleteJobTemplate: EventExtractor = {
  service: 'emr-containers',
  eventName: 'DeleteJobTemplate',
  kinds: ['emr-job-template'],
  deletes: true,
  extract(change) {
    const jobTemplateId = text(change.request, 'templateId') ?? text(change.request, 'id') ?? text(change.response, 'id');
    if (!jobTemplateId) return [];
    return [{ kind: 'emr-job-template', ref: jobTemplateRef(change, jobTemplateId), state: { jobTemplateId }, deleted: true }];
  },
};

export const EMR_EXTRACTORS: readonly EventExtractor[] = [
  startJobRun,
  createManagedEndpoint,
  createJobTemplate,
  deleteVirtualCluster,
  deleteManagedEndpoint,
  deleteJobTemplate,
];
