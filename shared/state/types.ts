/**
 * Resource state, per kind. Rules decide over these objects, never over raw events.
 *
 * Convention for every field: `undefined` means "not known yet" (the event did not say and
 * nothing was read); `null` means "known to be absent". A rule that needs an unknown field asks
 * the pipeline for a reader (see `StateReader`), which fills it from a live Describe/Get call.
 *
 * State from the event is laid over state read live (`mergeState`): an update that is still
 * "InProgress" is not yet visible to Describe calls, so what the event says wins.
 */
import type { Change, ResourceKind, ResourceRef, Service } from '../model.ts';
import type { PolicyDocument } from '../policy/document.ts';

export type Tags = Readonly<Record<string, string>>;

export interface MetadataOptions {
  httpTokens?: string | null;
  httpPutResponseHopLimit?: number | null;
  httpEndpoint?: string | null;
}

export interface LaunchTemplateState {
  launchTemplateId?: string;
  launchTemplateName?: string;
  /** The version being judged: the one the change created or made the default. */
  version?: number | null;
  /** The version's MetadataOptions as written in it (fields absent in the version are `null`). */
  metadataOptions?: MetadataOptions | null;
  imageId?: string | null;
  /** The AMI's `ImdsSupport` (`v2.0` makes IMDSv2 required by default); `null` when it sets none. */
  amiImdsSupport?: string | null;
  /** Account/region defaults from GetInstanceMetadataDefaults; `null` when none are set. */
  accountImdsDefaults?: MetadataOptions | null;
  tags?: Tags;
}

export const EKS_LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] as const;
export type EksLogType = (typeof EKS_LOG_TYPES)[number];

export interface ClusterState {
  clusterName: string;
  endpointPublicAccess?: boolean;
  endpointPrivateAccess?: boolean;
  publicAccessCidrs?: readonly string[];
  /** Per log type: enabled or not. A partial record means only those types are known. */
  logging?: Readonly<Partial<Record<EksLogType, boolean>>>;
  /** KMS key ARN encrypting secrets; `null` when secrets are not envelope-encrypted. */
  secretsKeyArn?: string | null;
  authenticationMode?: string;
  bootstrapClusterCreatorAdminPermissions?: boolean | null;
  kubernetesVersion?: string;
  vpcId?: string;
  subnetIds?: readonly string[];
  /** OIDC issuer URL (`https://oidc.eks...`), `null` when the cluster has none. */
  oidcIssuer?: string | null;
  status?: string;
  tags?: Tags;
  /** EMR.4: whether at least one of the cluster's subnets is private (no route to an internet gateway). */
  hasPrivateSubnet?: boolean;
}

export interface LaunchTemplateSpec {
  id?: string | null;
  name?: string | null;
  version?: string | null;
}

export interface NodegroupState {
  clusterName: string;
  nodegroupName: string;
  nodeRoleArn?: string;
  /** `null` when the node group uses no custom launch template. */
  launchTemplate?: LaunchTemplateSpec | null;
  tags?: Tags;
}

export interface AddonState {
  clusterName: string;
  addonName: string;
  /** Parsed `configurationValues` (JSON or YAML); `null` when the add-on has none. */
  configurationValues?: Readonly<Record<string, unknown>> | null;
  tags?: Tags;
}

export interface AccessPolicyState {
  clusterName: string;
  /** Decoded principal ARN (AssociateAccessPolicy carries it URL-encoded). */
  principalArn: string;
  policyArn: string;
  accessScope: { type: string; namespaces: readonly string[] };
  /** Namespaces that EMR on EKS virtual clusters on this cluster use (EKS.7). */
  emrNamespaces?: readonly string[];
}

export interface PodIdentityState {
  clusterName: string;
  associationId?: string;
  namespace?: string;
  serviceAccount?: string;
  roleArn?: string;
  tags?: Tags;
}

export type RoleUse = 'node' | 'irsa' | 'pod-identity' | 'emr-execution';

export interface RoleState {
  roleName: string;
  roleArn?: string;
  trustPolicy?: PolicyDocument | null;
  /** Managed policy ARNs attached to the role. */
  attachedPolicyArns?: readonly string[];
  /** Inline policies by name. */
  inlinePolicies?: Readonly<Record<string, PolicyDocument>>;
  /** Default-version documents of the attached customer-managed policies, by ARN. */
  managedPolicyDocuments?: Readonly<Record<string, PolicyDocument>>;
  /** What the role is used for, as far as known (from the trust policy or the event that named it). */
  uses?: readonly RoleUse[];
  tags?: Tags;
  /**
   * The attach (`attached: true`) or detach this event made. The event cannot tell the whole
   * list, so the rules lay this over `attachedPolicyArns` as read (which may lag the event).
   */
  policyAttachment?: { policyArn: string; attached: boolean };
  /** The inline policy this event put (its document) or deleted (`null`), laid over `inlinePolicies`. */
  inlinePolicyChange?: { policyName: string; document: PolicyDocument | null };
}

export interface EmrWorkload {
  /** What submitted or defines the workload. */
  source: 'job-run' | 'managed-endpoint' | 'job-template';
  id?: string;
  name?: string;
  executionRoleArn?: string | null;
  releaseLabel?: string | null;
  jobTemplateId?: string | null;
  /** `spark.kubernetes.container.image` when set; `null` when the workload uses the release's image. */
  containerImage?: string | null;
  /** The execution role's permissions, read live (EMR.1). */
  executionRole?: RoleState | null;
}

export interface VirtualClusterState {
  virtualClusterId: string;
  name?: string;
  clusterName?: string;
  namespace?: string;
  /** The job run that triggered the evaluation (StartJobRun). */
  workload?: EmrWorkload;
  /** Execution roles of the virtual cluster's recent job runs (EMR.2). */
  executionRoleArns?: readonly string[];
  tags?: Tags;
}

export interface ManagedEndpointState {
  virtualClusterId: string;
  endpointId?: string;
  workload?: EmrWorkload;
  /** The EKS cluster behind the virtual cluster (EMR.4). */
  clusterName?: string;
  hasPrivateSubnet?: boolean;
  tags?: Tags;
}

export interface JobTemplateState {
  jobTemplateId?: string;
  workload?: EmrWorkload;
  tags?: Tags;
}

export interface StateByKind {
  'launch-template': LaunchTemplateState;
  'eks-cluster': ClusterState;
  'eks-nodegroup': NodegroupState;
  'eks-addon': AddonState;
  'eks-access-policy': AccessPolicyState;
  'eks-pod-identity': PodIdentityState;
  'iam-role': RoleState;
  'emr-virtual-cluster': VirtualClusterState;
  'emr-managed-endpoint': ManagedEndpointState;
  'emr-job-template': JobTemplateState;
}

export type StateOf<K extends ResourceKind> = StateByKind[K];

/** A resource with what is known of it. A discriminated union over the kinds in `K`. */
export type Subject<K extends ResourceKind = ResourceKind> = {
  [P in K]: { kind: P; ref: ResourceRef; state: StateOf<P> };
}[K];

/** What one CloudTrail change says about one resource. */
export type Observation<K extends ResourceKind = ResourceKind> = Subject<K> & {
  /** The change deleted the resource: its findings are archived, no rule runs. */
  deleted?: boolean;
};

/** Reads the resources a change touched out of its request/response. Pure. */
export interface EventExtractor {
  service: Service;
  eventName: string;
  /** Kinds it may emit (used to check that each trigger can reach its rule). */
  kinds: readonly ResourceKind[];
  /** Whether this event deletes resources (its name goes into the EventBridge pattern). */
  deletes?: boolean;
  extract(change: Change): Observation[];
}

/**
 * For changes that name a resource only indirectly: CreatePolicyVersion names a policy, and the
 * rules judge the roles it is attached to. `expand` reads which resources the change affects
 * (e.g. ListEntitiesForPolicy) and returns their observations. Offline it cannot run, and the
 * affected rules are reported as not evaluated.
 */
export interface EventExpander {
  service: Service;
  eventName: string;
  kinds: readonly ResourceKind[];
  /** IAM actions `expand` performs (granted to the functions owning `kinds`). */
  actions: readonly string[];
  expand(change: Change, aws: AwsClients): Promise<Observation[]>;
}

/** Identifier of a live reader, e.g. `eks:DescribeCluster`. Rules ask for readers by id. */
export type ReaderId = string;

export type ReadResult<K extends ResourceKind> =
  | { found: true; state: Partial<StateOf<K>> }
  /** The resource no longer exists: its findings are archived. */
  | { found: false };

/**
 * One live read. `actions` are the IAM actions it performs: they are granted to the functions
 * whose rules declare the reader, and nothing else is.
 */
export interface StateReader<K extends ResourceKind = ResourceKind> {
  id: ReaderId;
  kind: K;
  actions: readonly string[];
  read(subject: Subject<K>, aws: AwsClients): Promise<ReadResult<K>>;
}

/** Client configuration Vigil sets on every SDK client (retries, region). */
export interface ClientConfig {
  region: string;
  maxAttempts?: number;
  retryMode?: string;
}

/**
 * AWS SDK clients, one per client class and region, created on first use and reused across
 * invocations. Readers import only their own service's client, so each Lambda bundle carries
 * only the SDK packages its rules need.
 */
export interface AwsClients {
  client<C>(ctor: new (config: ClientConfig) => C, region: string): C;
}
