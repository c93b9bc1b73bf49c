/**
 * Ids of the EMR on EKS readers, apart from the readers themselves so that rules can name them
 * without importing the SDK. Ids written `service:Action` perform that action; lower-case ids
 * name composite reads (see each reader's `actions`).
 */
export type EmrKind = 'emr-virtual-cluster' | 'emr-managed-endpoint' | 'emr-job-template';

export const EMR_READER_IDS = {
  describeVirtualCluster: 'emr-containers:DescribeVirtualCluster',
  describeJobRun: 'emr-containers:DescribeJobRun',
  listJobRuns: 'emr-containers:ListJobRuns',
  describeManagedEndpoint: 'emr-containers:DescribeManagedEndpoint',
  describeJobTemplate: 'emr-containers:DescribeJobTemplate',
  jobRunExecutionRole: 'emr-containers:execution-role-permissions/job-run',
  endpointExecutionRole: 'emr-containers:execution-role-permissions/managed-endpoint',
  templateExecutionRole: 'emr-containers:execution-role-permissions/job-template',
  endpointPrivateSubnets: 'emr-containers:endpoint-private-subnets',
} as const;

/** Per kind, the reader that tells the workload's role, release and image as they really are. */
export const WORKLOAD_READER: Readonly<Record<EmrKind, string>> = {
  'emr-virtual-cluster': EMR_READER_IDS.describeJobRun,
  'emr-managed-endpoint': EMR_READER_IDS.describeManagedEndpoint,
  'emr-job-template': EMR_READER_IDS.describeJobTemplate,
};

/** Per kind, the reader of the workload's execution role permissions. */
export const EXECUTION_ROLE_READER: Readonly<Record<EmrKind, string>> = {
  'emr-virtual-cluster': EMR_READER_IDS.jobRunExecutionRole,
  'emr-managed-endpoint': EMR_READER_IDS.endpointExecutionRole,
  'emr-job-template': EMR_READER_IDS.templateExecutionRole,
};

/** Job runs EMR.2 looks at: those created in this many days before the read. */
export const JOB_RUN_WINDOW_DAYS = 30;
/** ListJobRuns pages read at most (50 runs each): a busy virtual cluster is judged on its newest runs. */
export const JOB_RUN_MAX_PAGES = 10;
export const JOB_RUN_PAGE_SIZE = 50;
