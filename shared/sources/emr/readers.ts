/**
 * Live readers for EMR on EKS resources. Each declares exactly the IAM actions it performs.
 *
 * Several readers fill the same facts for different kinds (a job run's execution role lives on
 * its virtual cluster's subject): the pipeline matches readers to subjects by kind, so those get
 * one reader per kind, with ids that say so.
 */
import {
  DescribeJobRunCommand,
  DescribeJobTemplateCommand,
  DescribeManagedEndpointCommand,
  DescribeVirtualClusterCommand,
  EMRContainersClient,
  type JobRun,
  type JobTemplate,
  ListJobRunsCommand,
  type VirtualCluster,
} from '@aws-sdk/client-emr-containers';
import { isNotFound } from '../../aws/clients.ts';
import type { ResourceRef } from '../../model.ts';
import type { AwsClients, EmrWorkload, ReadResult, StateOf, StateReader, Subject } from '../../state/types.ts';
import { readRolePermissions, ROLE_PERMISSION_ACTIONS } from '../iam/role-permissions.ts';
import { roleNameOf } from '../refs.ts';
import { readClusterSubnets } from './private-subnets.ts';
import { EMR_READER_IDS, type EmrKind, JOB_RUN_MAX_PAGES, JOB_RUN_PAGE_SIZE, JOB_RUN_WINDOW_DAYS } from './reader-ids.ts';
import { containerImageOf, hasTemplateParameter, substituteDeep, substituteParameters, templateParameters } from './workload.ts';

/** Virtual cluster and endpoint states in which the resource no longer exists. */
const GONE_STATES = new Set(['TERMINATED', 'TERMINATED_WITH_ERRORS']);

function emr(aws: AwsClients, ref: ResourceRef): EMRContainersClient {
  return aws.client(EMRContainersClient, ref.region);
}

function virtualClusterIdOf(ref: ResourceRef, state: { virtualClusterId?: string }): string {
  return ref.attrs.virtualClusterId ?? state.virtualClusterId ?? '';
}

/**
 * A job template whose KMS key Vigil may not use comes back with `decryptionError` and no data.
 * That is a permission Vigil lacks, so it is reported as such (the pipeline's "not evaluated"),
 * never judged on missing data.
 */
export class TemplateDecryptionError extends Error {
  override name = 'AccessDeniedException';
}

async function describeVirtualCluster(aws: AwsClients, ref: ResourceRef, virtualClusterId: string): Promise<VirtualCluster | undefined> {
  const { virtualCluster } = await emr(aws, ref).send(new DescribeVirtualClusterCommand({ id: virtualClusterId }));
  return virtualCluster && !GONE_STATES.has(virtualCluster.state ?? '') ? virtualCluster : undefined;
}

async function describeJobTemplate(aws: AwsClients, ref: ResourceRef, jobTemplateId: string): Promise<JobTemplate | undefined> {
  const { jobTemplate } = await emr(aws, ref).send(new DescribeJobTemplateCommand({ id: jobTemplateId }));
  if (jobTemplate?.decryptionError) {
    throw new TemplateDecryptionError(`job template ${jobTemplateId} could not be decrypted: ${jobTemplate.decryptionError}`);
  }
  return jobTemplate;
}

/** What a job template defines, as the `EmrWorkload` of the template itself (placeholders kept). */
function templateWorkload(template: JobTemplate, jobTemplateId: string): EmrWorkload {
  const data = template.jobTemplateData;
  return {
    source: 'job-template',
    id: jobTemplateId,
    ...(template.name ? { name: template.name } : {}),
    executionRoleArn: data?.executionRoleArn ?? null,
    releaseLabel: data?.releaseLabel ?? null,
    jobTemplateId,
    containerImage: containerImageOf(data?.configurationOverrides, data?.jobDriver),
  };
}

/** Tags, EKS cluster and namespace of a virtual cluster (also the kind's tags reader). */
export const describeVirtualClusterReader: StateReader<'emr-virtual-cluster'> = {
  id: EMR_READER_IDS.describeVirtualCluster,
  kind: 'emr-virtual-cluster',
  actions: ['emr-containers:DescribeVirtualCluster'],
  async read(subject, aws) {
    const virtualCluster = await describeVirtualCluster(aws, subject.ref, virtualClusterIdOf(subject.ref, subject.state));
    if (!virtualCluster) return { found: false };
    const provider = virtualCluster.containerProvider;
    const namespace = provider?.info?.eksInfo?.namespace;
    return {
      found: true,
      state: {
        ...(virtualCluster.name ? { name: virtualCluster.name } : {}),
        ...(provider?.id ? { clusterName: provider.id } : {}),
        ...(namespace ? { namespace } : {}),
        tags: virtualCluster.tags ?? {},
      },
    };
  },
};

function runParametersOf(ref: ResourceRef): Record<string, string> {
  const text = ref.attrs.jobTemplateParameters;
  if (!text) return {};
  const parsed: unknown = JSON.parse(text);
  const parameters: Record<string, string> = {};
  if (typeof parsed === 'object' && parsed !== null) {
    for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') parameters[key] = value;
  }
  return parameters;
}

/**
 * Fills what a run from a job template leaves unsaid (role, release, image) from the template,
 * with the run's parameter values (from the event) or the template's defaults put in. A template
 * deleted since the run started leaves those facts unknown: that says nothing about the virtual
 * cluster, so it must not archive the cluster's findings.
 */
async function completeFromTemplate(aws: AwsClients, ref: ResourceRef, jobTemplateId: string, workload: EmrWorkload): Promise<EmrWorkload> {
  let template: JobTemplate | undefined;
  try {
    template = await describeJobTemplate(aws, ref, jobTemplateId);
  } catch (error) {
    if (isNotFound(error)) return workload;
    throw error;
  }
  const data = template?.jobTemplateData;
  if (!data) return workload;
  // Read: whatever neither the run nor the template sets is absent (`null`), not unknown.
  const parameters = templateParameters(data.parameterConfiguration, runParametersOf(ref));
  const resolve = (value: string | undefined): string | null => (value === undefined ? null : substituteParameters(value, parameters));
  return {
    ...workload,
    ...(workload.executionRoleArn ? {} : { executionRoleArn: resolve(data.executionRoleArn) }),
    ...(workload.releaseLabel ? {} : { releaseLabel: resolve(data.releaseLabel) }),
    ...(workload.containerImage
      ? {}
      : { containerImage: containerImageOf(substituteDeep(data.configurationOverrides, parameters), substituteDeep(data.jobDriver, parameters)) }),
  };
}

/**
 * The job run as it runs: execution role, release label and container image (which CloudTrail
 * redacts). A run from a job template is completed from the template.
 */
export const describeJobRunReader: StateReader<'emr-virtual-cluster'> = {
  id: EMR_READER_IDS.describeJobRun,
  kind: 'emr-virtual-cluster',
  actions: ['emr-containers:DescribeJobRun', 'emr-containers:DescribeJobTemplate', 'emr-containers:DescribeVirtualCluster'],
  async read(subject, aws) {
    const virtualClusterId = virtualClusterIdOf(subject.ref, subject.state);
    const jobRunId = subject.ref.attrs.jobRunId ?? subject.state.workload?.id;
    // Without the run's id (a response CloudTrail did not record) there is nothing to read.
    if (!jobRunId) return { found: true, state: {} };
    let run: JobRun | undefined;
    try {
      run = (await emr(aws, subject.ref).send(new DescribeJobRunCommand({ id: jobRunId, virtualClusterId }))).jobRun;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    if (!run) {
      // A vanished run archives its virtual cluster's findings only when the cluster is gone too.
      try {
        if (!(await describeVirtualCluster(aws, subject.ref, virtualClusterId))) return { found: false };
      } catch (error) {
        if (isNotFound(error)) return { found: false };
        throw error;
      }
      return { found: true, state: {} };
    }
    const image = containerImageOf(run.configurationOverrides, run.jobDriver);
    let workload: EmrWorkload = {
      source: 'job-run',
      id: jobRunId,
      ...(run.name ? { name: run.name } : {}),
      ...(run.executionRoleArn ? { executionRoleArn: run.executionRoleArn } : {}),
      ...(run.releaseLabel ? { releaseLabel: run.releaseLabel } : {}),
      ...(image ? { containerImage: image } : {}),
    };
    const jobTemplateId = subject.state.workload?.jobTemplateId ?? subject.ref.attrs.jobTemplateId;
    if (!jobTemplateId) {
      // A run without a template names everything itself: what it leaves out is absent.
      const complete = { ...workload, executionRoleArn: workload.executionRoleArn ?? null, releaseLabel: workload.releaseLabel ?? null, containerImage: image ?? null };
      return { found: true, state: { workload: complete } };
    }
    if (!(workload.executionRoleArn && workload.releaseLabel && workload.containerImage)) {
      workload = await completeFromTemplate(aws, subject.ref, jobTemplateId, workload);
    }
    return { found: true, state: { workload } };
  },
};

export interface ListJobRunsOptions {
  /** Clock for the window's start (tests pass a fixed one). */
  now?: () => Date;
  windowDays?: number;
  maxPages?: number;
}

/**
 * EMR.2: the distinct execution roles of the virtual cluster's job runs created in the last
 * `windowDays` days, in any state (a failed or cancelled run also ran its tenant's code under its
 * role). At most `maxPages` pages are read.
 */
export function createListJobRunsReader(options: ListJobRunsOptions = {}): StateReader<'emr-virtual-cluster'> {
  const now = options.now ?? (() => new Date());
  const windowDays = options.windowDays ?? JOB_RUN_WINDOW_DAYS;
  const maxPages = options.maxPages ?? JOB_RUN_MAX_PAGES;
  return {
    id: EMR_READER_IDS.listJobRuns,
    kind: 'emr-virtual-cluster',
    actions: ['emr-containers:ListJobRuns'],
    async read(subject, aws) {
      const virtualClusterId = virtualClusterIdOf(subject.ref, subject.state);
      const createdAfter = new Date(now().getTime() - windowDays * 24 * 60 * 60 * 1000);
      const roles = new Set<string>();
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await emr(aws, subject.ref).send(
          new ListJobRunsCommand({ virtualClusterId, createdAfter, maxResults: JOB_RUN_PAGE_SIZE, ...(nextToken ? { nextToken } : {}) }),
        );
        for (const run of page.jobRuns ?? []) if (run.executionRoleArn) roles.add(run.executionRoleArn);
        nextToken = page.nextToken;
        pages += 1;
      } while (nextToken && pages < maxPages);
      return { found: true, state: { executionRoleArns: [...roles].sort() } };
    },
  };
}

export const listJobRunsReader = createListJobRunsReader();

/** A managed endpoint's role, release, image (redacted in CloudTrail) and tags. Its kind's tags reader. */
export const describeManagedEndpointReader: StateReader<'emr-managed-endpoint'> = {
  id: EMR_READER_IDS.describeManagedEndpoint,
  kind: 'emr-managed-endpoint',
  actions: ['emr-containers:DescribeManagedEndpoint'],
  async read(subject, aws) {
    const endpointId = subject.ref.attrs.endpointId ?? subject.state.endpointId ?? '';
    const { endpoint } = await emr(aws, subject.ref).send(
      new DescribeManagedEndpointCommand({ id: endpointId, virtualClusterId: virtualClusterIdOf(subject.ref, subject.state) }),
    );
    if (!endpoint || GONE_STATES.has(endpoint.state ?? '')) return { found: false };
    return {
      found: true,
      state: {
        workload: {
          source: 'managed-endpoint',
          id: endpointId,
          ...(endpoint.name ? { name: endpoint.name } : {}),
          executionRoleArn: endpoint.executionRoleArn ?? null,
          releaseLabel: endpoint.releaseLabel ?? null,
          jobTemplateId: null,
          containerImage: containerImageOf(endpoint.configurationOverrides, undefined) ?? null,
        },
        tags: endpoint.tags ?? {},
      },
    };
  },
};

/** A job template's definition (placeholders kept) and tags. Its kind's tags reader. */
export const describeJobTemplateReader: StateReader<'emr-job-template'> = {
  id: EMR_READER_IDS.describeJobTemplate,
  kind: 'emr-job-template',
  actions: ['emr-containers:DescribeJobTemplate'],
  async read(subject, aws) {
    const jobTemplateId = subject.ref.attrs.jobTemplateId ?? subject.state.jobTemplateId ?? '';
    const template = await describeJobTemplate(aws, subject.ref, jobTemplateId);
    if (!template) return { found: false };
    const workload = templateWorkload(template, jobTemplateId);
    return { found: true, state: { workload: { ...workload, containerImage: workload.containerImage ?? null }, tags: template.tags ?? {} } };
  },
};

/**
 * EMR.1: the permissions of the workload's execution role. A role that no longer exists is
 * `executionRole: null` (the workload, not the role, is the subject: nothing to archive).
 */
function executionRoleReader<K extends EmrKind>(id: string, kind: K): StateReader<K> {
  return {
    id,
    kind,
    actions: [...ROLE_PERMISSION_ACTIONS],
    async read(subject: Subject<K>, aws: AwsClients): Promise<ReadResult<K>> {
      const workload = (subject.state as { workload?: EmrWorkload }).workload;
      const roleArn = workload?.executionRoleArn;
      // The rules never ask for an unknown or parameterised role; nothing to read then.
      if (!workload || typeof roleArn !== 'string' || hasTemplateParameter(roleArn)) return { found: true, state: {} };
      const role = await readRolePermissions(aws, subject.ref.partition, roleNameOf(roleArn));
      const state = { workload: { source: workload.source, executionRole: role ? { ...role, roleArn } : null } };
      return { found: true, state: state as Partial<StateOf<K>> };
    },
  };
}

export const jobRunExecutionRoleReader = executionRoleReader(EMR_READER_IDS.jobRunExecutionRole, 'emr-virtual-cluster');
export const endpointExecutionRoleReader = executionRoleReader(EMR_READER_IDS.endpointExecutionRole, 'emr-managed-endpoint');
export const templateExecutionRoleReader = executionRoleReader(EMR_READER_IDS.templateExecutionRole, 'emr-job-template');

/**
 * EMR.4: the managed endpoint's virtual cluster → its EKS cluster → that cluster's subnets and
 * their route tables. A virtual cluster or EKS cluster that no longer exists means the endpoint
 * is gone too.
 */
export const endpointPrivateSubnetsReader: StateReader<'emr-managed-endpoint'> = {
  id: EMR_READER_IDS.endpointPrivateSubnets,
  kind: 'emr-managed-endpoint',
  actions: ['emr-containers:DescribeVirtualCluster', 'eks:DescribeCluster', 'ec2:DescribeSubnets', 'ec2:DescribeRouteTables'],
  async read(subject, aws) {
    const virtualCluster = await describeVirtualCluster(aws, subject.ref, virtualClusterIdOf(subject.ref, subject.state));
    const clusterName = virtualCluster?.containerProvider?.id;
    if (!virtualCluster || !clusterName) return { found: false };
    const subnets = await readClusterSubnets(aws, subject.ref.region, clusterName);
    return { found: true, state: { clusterName, hasPrivateSubnet: subnets.privateSubnetIds.length > 0 } };
  },
};

export const EMR_READERS: readonly StateReader[] = [
  describeVirtualClusterReader,
  describeJobRunReader,
  listJobRunsReader,
  describeManagedEndpointReader,
  describeJobTemplateReader,
  jobRunExecutionRoleReader,
  endpointExecutionRoleReader,
  templateExecutionRoleReader,
  endpointPrivateSubnetsReader,
];
