/**
 * Canonical resource references. A resource's `ref.id` is hashed into its finding Id, so every
 * event that names the same resource (its create, its updates, its delete, a live read) must build
 * the same id: always through these functions, never from response ARNs with random suffixes.
 */
import type { Change, ResourceRef } from '../model.ts';

interface Place {
  accountId: string;
  region: string;
  partition: string;
}

function placeOf(change: Change): Place {
  return { accountId: change.accountId, region: change.region, partition: change.partition };
}

/** Role name from a name or a role ARN (with or without path). */
export function roleNameOf(nameOrArn: string): string {
  const marker = ':role/';
  const index = nameOrArn.indexOf(marker);
  const tail = index >= 0 ? nameOrArn.slice(index + marker.length) : nameOrArn;
  return tail.slice(tail.lastIndexOf('/') + 1);
}

/** Account id from an ARN, if it has one. */
export function accountOfArn(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/** IAM roles: global, so the region is the change's only for display; the id has none. */
export function roleRef(change: Change, nameOrArn: string): ResourceRef {
  const roleName = roleNameOf(nameOrArn);
  const accountId = (nameOrArn.startsWith('arn:') ? accountOfArn(nameOrArn) : undefined) ?? change.accountId;
  return {
    kind: 'iam-role',
    id: `arn:${change.partition}:iam::${accountId}:role/${roleName}`,
    name: roleName,
    accountId,
    region: change.region,
    partition: change.partition,
    attrs: { roleName, ...(nameOrArn.startsWith('arn:') ? { roleArn: nameOrArn } : {}) },
  };
}

export function clusterArn(place: Place, clusterName: string): string {
  return `arn:${place.partition}:eks:${place.region}:${place.accountId}:cluster/${clusterName}`;
}

export function clusterRef(change: Change, clusterName: string): ResourceRef {
  const place = placeOf(change);
  return { kind: 'eks-cluster', id: clusterArn(place, clusterName), name: clusterName, ...place, attrs: { clusterName } };
}

export function nodegroupRef(change: Change, clusterName: string, nodegroupName: string): ResourceRef {
  const place = placeOf(change);
  return {
    kind: 'eks-nodegroup',
    id: `arn:${place.partition}:eks:${place.region}:${place.accountId}:nodegroup/${clusterName}/${nodegroupName}`,
    name: `${clusterName}/${nodegroupName}`,
    ...place,
    attrs: { clusterName, nodegroupName },
  };
}

export function addonRef(change: Change, clusterName: string, addonName: string): ResourceRef {
  const place = placeOf(change);
  return {
    kind: 'eks-addon',
    id: `arn:${place.partition}:eks:${place.region}:${place.accountId}:addon/${clusterName}/${addonName}`,
    name: `${clusterName}/${addonName}`,
    ...place,
    attrs: { clusterName, addonName },
  };
}

/** An access policy association: (cluster, principal, policy) is what is unique. */
export function accessPolicyRef(change: Change, clusterName: string, principalArn: string, policyArn: string): ResourceRef {
  const place = placeOf(change);
  const policyName = policyArn.slice(policyArn.lastIndexOf('/') + 1);
  return {
    kind: 'eks-access-policy',
    id: `${clusterArn(place, clusterName)}/access-policy/${principalArn}/${policyName}`,
    name: `${policyName} for ${principalArn} on ${clusterName}`,
    ...place,
    attrs: { clusterName, principalArn, policyArn },
  };
}

export function podIdentityRef(change: Change, clusterName: string, associationId: string): ResourceRef {
  const place = placeOf(change);
  return {
    kind: 'eks-pod-identity',
    id: `arn:${place.partition}:eks:${place.region}:${place.accountId}:podidentityassociation/${clusterName}/${associationId}`,
    name: `${clusterName}/${associationId}`,
    ...place,
    attrs: { clusterName, associationId },
  };
}

/** Launch templates by id (`lt-...`). Events that name a template only by name resolve it first. */
export function launchTemplateRef(change: Change, launchTemplateId: string, launchTemplateName?: string): ResourceRef {
  const place = placeOf(change);
  return {
    kind: 'launch-template',
    id: `arn:${place.partition}:ec2:${place.region}:${place.accountId}:launch-template/${launchTemplateId}`,
    name: launchTemplateName ? `${launchTemplateName} (${launchTemplateId})` : launchTemplateId,
    ...place,
    attrs: { launchTemplateId, ...(launchTemplateName ? { launchTemplateName } : {}) },
  };
}

export function virtualClusterArn(place: Place, virtualClusterId: string): string {
  return `arn:${place.partition}:emr-containers:${place.region}:${place.accountId}:/virtualclusters/${virtualClusterId}`;
}

export function virtualClusterRef(change: Change, virtualClusterId: string): ResourceRef {
  const place = placeOf(change);
  return { kind: 'emr-virtual-cluster', id: virtualClusterArn(place, virtualClusterId), name: virtualClusterId, ...place, attrs: { virtualClusterId } };
}

export function managedEndpointRef(change: Change, virtualClusterId: string, endpointId: string): ResourceRef {
  const place = placeOf(change);
  return {
    kind: 'emr-managed-endpoint',
    id: `${virtualClusterArn(place, virtualClusterId)}/endpoints/${endpointId}`,
    name: `${virtualClusterId}/${endpointId}`,
    ...place,
    attrs: { virtualClusterId, endpointId },
  };
}

export function jobTemplateRef(change: Change, jobTemplateId: string): ResourceRef {
  const place = placeOf(change);
  return {
    kind: 'emr-job-template',
    id: `arn:${place.partition}:emr-containers:${place.region}:${place.accountId}:/jobtemplates/${jobTemplateId}`,
    name: jobTemplateId,
    ...place,
    attrs: { jobTemplateId },
  };
}
