/**
 * Event extractors for eks CloudTrail calls. Pure: no SDK imports.
 *
 * EKS keeps URI path parameters under their URI label: the cluster is `requestParameters.name`,
 * and a `principalArn` in the path stays URL-encoded. State holds only what the event says, except
 * CreateCluster, whose omitted fields take the API's documented defaults (the cluster is new, so
 * the defaults are what it has).
 */
import type { Change } from '../../model.ts';
import { bool, decodePathParameter, obj, str, tagsOf } from '../../events/quirks.ts';
import type { AccessPolicyState, AddonState, ClusterState, EventExtractor, NodegroupState, Observation, PodIdentityState, RoleState } from '../../state/types.ts';
import { accessPolicyRef, addonRef, clusterRef, nodegroupRef, podIdentityRef, roleNameOf, roleRef } from '../refs.ts';
import { accessScopeOf, configurationValuesOf, fullLogging, launchTemplateOf, loggingDelta, secretsKeyArnOf, stringList } from './shapes.ts';

/** Defaults of CreateCluster for a field the caller omits (EKS API reference, CreateCluster). */
export const CREATE_CLUSTER_DEFAULTS = {
  endpointPublicAccess: true,
  endpointPrivateAccess: false,
  publicAccessCidrs: ['0.0.0.0/0'],
  // API, SDK and CloudFormation callers get CONFIG_MAP; only the console picks API_AND_CONFIG_MAP.
  authenticationMode: 'CONFIG_MAP',
  bootstrapClusterCreatorAdminPermissions: true,
} as const;

/**
 * Access policies whose findings a deleted access entry leaves behind: every policy a rule on
 * `eks-access-policy` judges (EKS.6, EKS.7). Deleting an entry removes all its associations.
 */
export const JUDGED_ACCESS_POLICIES = [
  'AmazonEKSClusterAdminPolicy',
  'AmazonEKSAdminPolicy',
  'AmazonEKSEditPolicy',
  'AmazonEKSAdminViewPolicy',
  'AmazonEKSSecretReaderPolicy',
] as const;

function clusterNameOf(change: Change): string | undefined {
  return str(change.request, 'name');
}

function clusterObservation(change: Change, state: ClusterState, deleted = false): Observation<'eks-cluster'> {
  return { kind: 'eks-cluster', ref: clusterRef(change, state.clusterName), state, ...(deleted ? { deleted } : {}) };
}

function extractor(eventName: string, kinds: EventExtractor['kinds'], extract: EventExtractor['extract'], deletes = false): EventExtractor {
  return { service: 'eks', eventName, kinds, ...(deletes ? { deletes } : {}), extract };
}

/** The cluster's effective settings: the response's, else the request's, else the API defaults. */
function createCluster(change: Change): Observation[] {
  const request = change.request;
  const cluster = obj(change.response, 'cluster');
  const clusterName = str(cluster, 'name') ?? clusterNameOf(change);
  if (!clusterName) return [];
  const requestVpc = obj(request, 'resourcesVpcConfig');
  const responseVpc = obj(cluster, 'resourcesVpcConfig');
  const requestAccess = obj(request, 'accessConfig');
  const responseAccess = obj(cluster, 'accessConfig');
  const state: ClusterState = {
    clusterName,
    endpointPublicAccess:
      bool(responseVpc, 'endpointPublicAccess') ?? bool(requestVpc, 'endpointPublicAccess') ?? CREATE_CLUSTER_DEFAULTS.endpointPublicAccess,
    endpointPrivateAccess:
      bool(responseVpc, 'endpointPrivateAccess') ?? bool(requestVpc, 'endpointPrivateAccess') ?? CREATE_CLUSTER_DEFAULTS.endpointPrivateAccess,
    publicAccessCidrs:
      stringList(responseVpc, 'publicAccessCidrs') ?? stringList(requestVpc, 'publicAccessCidrs') ?? [...CREATE_CLUSTER_DEFAULTS.publicAccessCidrs],
    logging: fullLogging(obj(cluster, 'logging') ?? obj(request, 'logging')),
    secretsKeyArn: secretsKeyArnOf(cluster?.encryptionConfig ?? request.encryptionConfig) ?? null,
    authenticationMode:
      str(responseAccess, 'authenticationMode') ?? str(requestAccess, 'authenticationMode') ?? CREATE_CLUSTER_DEFAULTS.authenticationMode,
    bootstrapClusterCreatorAdminPermissions:
      bool(responseAccess, 'bootstrapClusterCreatorAdminPermissions') ??
      bool(requestAccess, 'bootstrapClusterCreatorAdminPermissions') ??
      CREATE_CLUSTER_DEFAULTS.bootstrapClusterCreatorAdminPermissions,
    // Omitted means "latest", which only the response (or a read) can tell.
    kubernetesVersion: str(cluster, 'version') ?? str(request, 'version'),
    vpcId: str(responseVpc, 'vpcId'),
    subnetIds: stringList(responseVpc, 'subnetIds') ?? stringList(requestVpc, 'subnetIds'),
    oidcIssuer: str(obj(obj(cluster, 'identity'), 'oidc'), 'issuer'),
    status: str(cluster, 'status'),
    tags: tagsOf(cluster?.tags ?? request.tags) ?? {},
  };
  return [clusterObservation(change, state)];
}

/**
 * Only what the update changes: a request carries one of `resourcesVpcConfig`, `logging` or
 * `accessConfig`, and each rule sees whether its part is present.
 */
function updateClusterConfig(change: Change): Observation[] {
  const clusterName = clusterNameOf(change);
  if (!clusterName) return [];
  const vpc = obj(change.request, 'resourcesVpcConfig');
  const state: ClusterState = {
    clusterName,
    endpointPublicAccess: bool(vpc, 'endpointPublicAccess'),
    endpointPrivateAccess: bool(vpc, 'endpointPrivateAccess'),
    publicAccessCidrs: stringList(vpc, 'publicAccessCidrs'),
    subnetIds: stringList(vpc, 'subnetIds'),
    logging: loggingDelta(obj(change.request, 'logging')),
    authenticationMode: str(obj(change.request, 'accessConfig'), 'authenticationMode'),
  };
  return [clusterObservation(change, state)];
}

function updateClusterVersion(change: Change): Observation[] {
  const clusterName = clusterNameOf(change);
  if (!clusterName) return [];
  return [clusterObservation(change, { clusterName, kubernetesVersion: str(change.request, 'version') })];
}

function associateEncryptionConfig(change: Change): Observation[] {
  const clusterName = clusterNameOf(change);
  if (!clusterName) return [];
  return [clusterObservation(change, { clusterName, secretsKeyArn: secretsKeyArnOf(change.request.encryptionConfig) })];
}

function deleteCluster(change: Change): Observation[] {
  const clusterName = clusterNameOf(change) ?? str(obj(change.response, 'cluster'), 'name');
  return clusterName ? [clusterObservation(change, { clusterName }, true)] : [];
}

function nodegroupObservation(change: Change, state: NodegroupState, deleted = false): Observation<'eks-nodegroup'> {
  return {
    kind: 'eks-nodegroup',
    ref: nodegroupRef(change, state.clusterName, state.nodegroupName),
    state,
    ...(deleted ? { deleted } : {}),
  };
}

/** The node group, and its node role: IAM rules judge a role that nodes (and so every pod) use. */
function createNodegroup(change: Change): Observation[] {
  const nodegroup = obj(change.response, 'nodegroup');
  const clusterName = clusterNameOf(change) ?? str(nodegroup, 'clusterName');
  const nodegroupName = str(change.request, 'nodegroupName') ?? str(nodegroup, 'nodegroupName');
  if (!clusterName || !nodegroupName) return [];
  const nodeRoleArn = str(nodegroup, 'nodeRole') ?? str(change.request, 'nodeRole');
  const observations: Observation[] = [
    nodegroupObservation(change, {
      clusterName,
      nodegroupName,
      nodeRoleArn,
      launchTemplate: launchTemplateOf(obj(nodegroup, 'launchTemplate') ?? obj(change.request, 'launchTemplate')),
      tags: tagsOf(nodegroup?.tags ?? change.request.tags) ?? {},
    }),
  ];
  if (nodeRoleArn) {
    const state: RoleState = { roleName: roleNameOf(nodeRoleArn), roleArn: nodeRoleArn, uses: ['node'] };
    observations.push({ kind: 'iam-role', ref: roleRef(change, nodeRoleArn), state });
  }
  return observations;
}

/** A version update without `launchTemplate` keeps the node group's template (or its lack of one). */
function updateNodegroupVersion(change: Change): Observation[] {
  const clusterName = clusterNameOf(change);
  const nodegroupName = str(change.request, 'nodegroupName');
  if (!clusterName || !nodegroupName) return [];
  const template = obj(change.request, 'launchTemplate');
  return [nodegroupObservation(change, { clusterName, nodegroupName, launchTemplate: template ? launchTemplateOf(template) : undefined })];
}

function deleteNodegroup(change: Change): Observation[] {
  const clusterName = clusterNameOf(change);
  const nodegroupName = str(change.request, 'nodegroupName');
  return clusterName && nodegroupName ? [nodegroupObservation(change, { clusterName, nodegroupName }, true)] : [];
}

function addonObservation(change: Change, state: AddonState, deleted = false): Observation<'eks-addon'> {
  return { kind: 'eks-addon', ref: addonRef(change, state.clusterName, state.addonName), state, ...(deleted ? { deleted } : {}) };
}

function createAddon(change: Change): Observation[] {
  const addon = obj(change.response, 'addon');
  const clusterName = clusterNameOf(change) ?? str(addon, 'clusterName');
  const addonName = str(change.request, 'addonName') ?? str(addon, 'addonName');
  if (!clusterName || !addonName) return [];
  const text = change.request.configurationValues ?? addon?.configurationValues;
  return [
    addonObservation(change, {
      clusterName,
      addonName,
      // A new add-on without configurationValues runs with the add-on's defaults.
      configurationValues: text === undefined || text === null ? null : configurationValuesOf(text),
      tags: tagsOf(addon?.tags ?? change.request.tags) ?? {},
    }),
  ];
}

/** Without `configurationValues` the add-on keeps its current configuration: left unknown. */
function updateAddon(change: Change): Observation[] {
  const clusterName = clusterNameOf(change);
  const addonName = str(change.request, 'addonName');
  if (!clusterName || !addonName) return [];
  return [addonObservation(change, { clusterName, addonName, configurationValues: configurationValuesOf(change.request.configurationValues) })];
}

function deleteAddon(change: Change): Observation[] {
  const clusterName = clusterNameOf(change);
  const addonName = str(change.request, 'addonName');
  return clusterName && addonName ? [addonObservation(change, { clusterName, addonName }, true)] : [];
}

function accessPolicyObservation(change: Change, state: AccessPolicyState, deleted = false): Observation<'eks-access-policy'> {
  return {
    kind: 'eks-access-policy',
    ref: accessPolicyRef(change, state.clusterName, state.principalArn, state.policyArn),
    state,
    ...(deleted ? { deleted } : {}),
  };
}

/** `principalArn` is a path parameter here, so CloudTrail logs it URL-encoded. */
function principalArnOf(change: Change): string | undefined {
  const encoded = str(change.request, 'principalArn');
  return encoded === undefined ? str(change.response, 'principalArn') : decodePathParameter(encoded);
}

/** Also re-scopes an existing association: AssociateAccessPolicy replaces its access scope. */
function associateAccessPolicy(change: Change): Observation[] {
  const associated = obj(change.response, 'associatedAccessPolicy');
  const clusterName = clusterNameOf(change) ?? str(change.response, 'clusterName');
  const principalArn = principalArnOf(change);
  const policyArn = str(change.request, 'policyArn') ?? str(associated, 'policyArn');
  const accessScope = accessScopeOf(obj(change.request, 'accessScope') ?? obj(associated, 'accessScope'));
  if (!clusterName || !principalArn || !policyArn || !accessScope) return [];
  return [accessPolicyObservation(change, { clusterName, principalArn, policyArn, accessScope })];
}

/** Deleted associations are only archived; their scope is not in the event and judged by no one. */
const UNKNOWN_SCOPE = { type: 'unknown', namespaces: [] } as const;

function disassociateAccessPolicy(change: Change): Observation[] {
  const clusterName = clusterNameOf(change);
  const principalArn = principalArnOf(change);
  const policyArn = str(change.request, 'policyArn');
  if (!clusterName || !principalArn || !policyArn) return [];
  return [accessPolicyObservation(change, { clusterName, principalArn, policyArn, accessScope: UNKNOWN_SCOPE }, true)];
}

/** Deleting an access entry removes every policy associated with it. */
function deleteAccessEntry(change: Change): Observation[] {
  const clusterName = clusterNameOf(change);
  const principalArn = principalArnOf(change);
  if (!clusterName || !principalArn) return [];
  return JUDGED_ACCESS_POLICIES.map((policyName) =>
    accessPolicyObservation(
      change,
      { clusterName, principalArn, policyArn: `arn:${change.partition}:eks::aws:cluster-access-policy/${policyName}`, accessScope: UNKNOWN_SCOPE },
      true,
    ),
  );
}

function podIdentityObservation(change: Change, state: PodIdentityState & { associationId: string }, deleted = false): Observation<'eks-pod-identity'> {
  return {
    kind: 'eks-pod-identity',
    ref: podIdentityRef(change, state.clusterName, state.associationId),
    state,
    ...(deleted ? { deleted } : {}),
  };
}

/** The association id exists only once created, so it comes from the response. */
function createPodIdentityAssociation(change: Change): Observation[] {
  const association = obj(change.response, 'association');
  const clusterName = clusterNameOf(change) ?? str(association, 'clusterName');
  const associationId = str(association, 'associationId');
  if (!clusterName || !associationId) return [];
  return [
    podIdentityObservation(change, {
      clusterName,
      associationId,
      namespace: str(change.request, 'namespace') ?? str(association, 'namespace'),
      serviceAccount: str(change.request, 'serviceAccount') ?? str(association, 'serviceAccount'),
      roleArn: str(change.request, 'roleArn') ?? str(association, 'roleArn'),
      tags: tagsOf(association?.tags ?? change.request.tags) ?? {},
    }),
  ];
}

/** The request names only the association and its new role; the response holds the rest. */
function updatePodIdentityAssociation(change: Change): Observation[] {
  const association = obj(change.response, 'association');
  const clusterName = clusterNameOf(change) ?? str(association, 'clusterName');
  const associationId = str(change.request, 'associationId') ?? str(association, 'associationId');
  if (!clusterName || !associationId) return [];
  return [
    podIdentityObservation(change, {
      clusterName,
      associationId,
      namespace: str(association, 'namespace'),
      serviceAccount: str(association, 'serviceAccount'),
      roleArn: str(change.request, 'roleArn') ?? str(association, 'roleArn'),
      tags: tagsOf(association?.tags),
    }),
  ];
}

function deletePodIdentityAssociation(change: Change): Observation[] {
  const clusterName = clusterNameOf(change);
  const associationId = str(change.request, 'associationId');
  return clusterName && associationId ? [podIdentityObservation(change, { clusterName, associationId }, true)] : [];
}

export const EKS_EXTRACTORS: readonly EventExtractor[] = [
  extractor('CreateCluster', ['eks-cluster'], createCluster),
  extractor('UpdateClusterConfig', ['eks-cluster'], updateClusterConfig),
  extractor('UpdateClusterVersion', ['eks-cluster'], updateClusterVersion),
  extractor('AssociateEncryptionConfig', ['eks-cluster'], associateEncryptionConfig),
  extractor('DeleteCluster', ['eks-cluster'], deleteCluster, true),
  extractor('CreateNodegroup', ['eks-nodegroup', 'iam-role'], createNodegroup),
  extractor('UpdateNodegroupVersion', ['eks-nodegroup'], updateNodegroupVersion),
  extractor('DeleteNodegroup', ['eks-nodegroup'], deleteNodegroup, true),
  extractor('CreateAddon', ['eks-addon'], createAddon),
  extractor('UpdateAddon', ['eks-addon'], updateAddon),
  extractor('DeleteAddon', ['eks-addon'], deleteAddon, true),
  extractor('AssociateAccessPolicy', ['eks-access-policy'], associateAccessPolicy),
  extractor('DisassociateAccessPolicy', ['eks-access-policy'], disassociateAccessPolicy, true),
  extractor('DeleteAccessEntry', ['eks-access-policy'], deleteAccessEntry, true),
  extractor('CreatePodIdentityAssociation', ['eks-pod-identity'], createPodIdentityAssociation),
  extractor('UpdatePodIdentityAssociation', ['eks-pod-identity'], updatePodIdentityAssociation),
  extractor('DeletePodIdentityAssociation', ['eks-pod-identity'], deletePodIdentityAssociation, true),
];
