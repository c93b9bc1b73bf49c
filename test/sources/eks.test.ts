import {
  DescribeAddonCommand,
  type DescribeAddonResponse,
  DescribeClusterCommand,
  type DescribeClusterResponse,
  DescribeNodegroupCommand,
  type DescribeNodegroupResponse,
  DescribePodIdentityAssociationCommand,
  type DescribePodIdentityAssociationResponse,
  EKSClient,
} from '@aws-sdk/client-eks';
import type { ListVirtualClustersResponse } from '@aws-sdk/client-emr-containers';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClientCache } from '#shared/aws/clients.ts';
import type { Change } from '#shared/model.ts';
import { createRegistry } from '#shared/registry.ts';
import { CLUSTER_ADMIN_POLICIES } from '#shared/rules/eks/eks-6-cluster-admin-policy.ts';
import { NAMESPACE_WRITE_POLICIES } from '#shared/rules/eks/eks-7-emr-namespace-access.ts';
import { EKS_RULES } from '#shared/rules/eks/index.ts';
import { RULES } from '#shared/rules/index.ts';
import { EKS_EXTRACTORS, JUDGED_ACCESS_POLICIES } from '#shared/sources/eks/extractors.ts';
import { describeAddon, describeCluster, describeNodegroup, describePodIdentityAssociation, EKS_READERS, listEmrNamespaces } from '#shared/sources/eks/readers.ts';
import { EXPANDERS, EXTRACTORS } from '#shared/sources/extractors.ts';
import { ALL_READERS } from '#shared/sources/readers.ts';
import { accessPolicyRef, addonRef, clusterRef, nodegroupRef, podIdentityRef } from '#shared/sources/refs.ts';
import type { Observation, Subject } from '#shared/state/types.ts';
import { eksEvent, eksFixture, mockListVirtualClusters } from '../fixtures/eks/live.ts';
import { evaluateEvent, loadEvent, testPipeline } from '../support/pipeline.ts';

const eks = mockClient(EKSClient);
const emr = mockListVirtualClusters();
const aws = createClientCache({ maxAttempts: 1 });

function changeOf(event: Record<string, unknown>): Change {
  const parsed = testPipeline().parse(event);
  if (!parsed.ok) throw new Error(`fixture did not parse: ${parsed.detail}`);
  return parsed.change;
}

function extract(event: Record<string, unknown>): Observation[] {
  const change = changeOf(event);
  return EKS_EXTRACTORS.filter((extractor) => extractor.eventName === change.eventName).flatMap((extractor) => extractor.extract(change));
}

beforeEach(() => {
  eks.reset();
  emr.reset();
});

describe('EKS extractors', () => {
  it('reads CreateCluster\'s effective values from the response', () => {
    // Act
    const [observation, ...rest] = extract(loadEvent('eks-1/CreateCluster.pass.private-only.json'));

    // Assess
    expect(rest).toEqual([]);
    expect(observation?.ref.id).toBe('arn:aws:eks:eu-west-1:111122223333:cluster/payments-prod');
    expect(observation?.state).toEqual({
      clusterName: 'payments-prod',
      endpointPublicAccess: false,
      endpointPrivateAccess: true,
      publicAccessCidrs: ['0.0.0.0/0'],
      logging: { api: true, audit: true, authenticator: true, controllerManager: false, scheduler: false },
      secretsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
      authenticationMode: 'API',
      bootstrapClusterCreatorAdminPermissions: false,
      kubernetesVersion: '1.32',
      vpcId: 'vpc-0e5f60718293a4b5c',
      subnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0b2c3d4e5f6071829', 'subnet-0c3d4e5f607182930'],
      status: 'CREATING',
      tags: {},
    });
  });

  it('falls back to CreateCluster\'s request plus the API defaults without a response', () => {
    // Act
    const [observation] = extract(loadEvent('eks-1/CreateCluster.fail.request-defaults.json'));

    // Assess
    expect(observation?.state).toEqual({
      clusterName: 'sandbox-1',
      endpointPublicAccess: true,
      endpointPrivateAccess: false,
      publicAccessCidrs: ['0.0.0.0/0'],
      logging: { api: false, audit: false, authenticator: false, controllerManager: false, scheduler: false },
      secretsKeyArn: null,
      authenticationMode: 'CONFIG_MAP',
      bootstrapClusterCreatorAdminPermissions: true,
      kubernetesVersion: '1.32',
      subnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0b2c3d4e5f6071829', 'subnet-0c3d4e5f607182930'],
      tags: {},
    });
  });

  it.each([
    ['eks-2/UpdateClusterConfig.fail.audit-disabled.json', { clusterName: 'batch-prod', logging: { audit: false } }],
    ['eks-2/UpdateClusterConfig.pass.enable-required.json', { clusterName: 'batch-dev', logging: { api: true, audit: true, authenticator: true } }],
    ['eks-1/UpdateClusterConfig.needs-live.partial-cidrs.json', { clusterName: 'analytics-prod', publicAccessCidrs: ['0.0.0.0/0'] }],
    ['eks-1/UpdateClusterConfig.fail.private-off.json', { clusterName: 'ml-staging', endpointPrivateAccess: false }],
    ['eks-4/UpdateClusterConfig.fail.api-and-config-map.json', { clusterName: 'legacy-apps', authenticationMode: 'API_AND_CONFIG_MAP' }],
    ['eks-9/UpdateClusterVersion.fail.below-minimum.json', { clusterName: 'reporting-legacy', kubernetesVersion: '1.30' }],
    [
      'eks-3/AssociateEncryptionConfig.pass.kms-secrets.json',
      { clusterName: 'web-dev', secretsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b' },
    ],
  ])('keeps only what %s changes', (fixture, state) => {
    // Act
    const observations = extract(loadEvent(fixture));

    // Assess
    expect(observations).toHaveLength(1);
    // Every other field stays undefined (unknown), so each rule sees whether its facet changed.
    expect(Object.fromEntries(Object.entries(observations[0]?.state ?? {}).filter(([, value]) => value !== undefined))).toEqual(state);
  });

  it('names the cluster with the same id in every event, whatever the response ARN says', () => {
    // Act
    const ids = ['eks-1/CreateCluster.fail.public-cidr.json', 'eks-1/UpdateClusterConfig.pass.private-only.json', 'eks-1/DeleteCluster.archive.json'].map(
      (fixture) => extract(loadEvent(fixture))[0]?.ref.id,
    );

    // Assess
    expect(new Set(ids)).toEqual(new Set(['arn:aws:eks:eu-west-1:111122223333:cluster/analytics-prod']));
  });

  it('marks DeleteCluster as a delete', () => {
    // Act
    const [observation] = extract(loadEvent('eks-1/DeleteCluster.archive.json'));

    // Assess
    expect(observation).toMatchObject({ kind: 'eks-cluster', deleted: true, state: { clusterName: 'analytics-prod' } });
  });

  it('emits the node group and its node role (with path) from CreateNodegroup', () => {
    // Act
    const observations = extract(loadEvent('ng-1/CreateNodegroup.fail.no-launch-template.json'));

    // Assess
    expect(observations).toEqual([
      {
        kind: 'eks-nodegroup',
        ref: nodegroupRef(changeOf(loadEvent('ng-1/CreateNodegroup.fail.no-launch-template.json')), 'analytics-prod', 'general'),
        state: {
          clusterName: 'analytics-prod',
          nodegroupName: 'general',
          nodeRoleArn: 'arn:aws:iam::111122223333:role/eks/analytics-prod-node-role',
          launchTemplate: null,
          tags: { team: 'analytics' },
        },
      },
      {
        kind: 'iam-role',
        ref: {
          kind: 'iam-role',
          id: 'arn:aws:iam::111122223333:role/analytics-prod-node-role',
          name: 'analytics-prod-node-role',
          accountId: '111122223333',
          region: 'eu-west-1',
          partition: 'aws',
          attrs: { roleName: 'analytics-prod-node-role', roleArn: 'arn:aws:iam::111122223333:role/eks/analytics-prod-node-role' },
        },
        state: { roleName: 'analytics-prod-node-role', roleArn: 'arn:aws:iam::111122223333:role/eks/analytics-prod-node-role', uses: ['node'] },
      },
    ]);
  });

  it.each([
    ['ng-1/CreateNodegroup.pass.launch-template.json', { id: 'lt-0a9b8c7d6e5f40312', name: 'payments-nodes', version: '3' }],
    ['ng-1/UpdateNodegroupVersion.pass.launch-template-version.json', { id: 'lt-0a9b8c7d6e5f40312', name: null, version: '4' }],
    ['ng-1/UpdateNodegroupVersion.skip.release-version-only.json', undefined],
  ])('reads the launch template of %s', (fixture, launchTemplate) => {
    // Act
    const [observation] = extract(loadEvent(fixture));

    // Assess
    expect(observation?.kind).toBe('eks-nodegroup');
    expect((observation?.state as { launchTemplate?: unknown }).launchTemplate).toEqual(launchTemplate);
  });

  it.each([
    ['eks-8/CreateAddon.pass.json-network-policy.json', { enableNetworkPolicy: 'true', nodeAgent: { enablePolicyEventLogs: 'true' } }],
    ['eks-8/CreateAddon.pass.yaml-network-policy.json', { enableNetworkPolicy: 'true', env: { ENABLE_PREFIX_DELEGATION: 'true' } }],
    ['eks-8/CreateAddon.fail.no-configuration.json', null],
    ['eks-8/UpdateAddon.fail.network-policy-false.json', { enableNetworkPolicy: 'false' }],
    ['eks-8/UpdateAddon.needs-live.no-configuration-values.json', undefined],
  ])('parses the configurationValues of %s', (fixture, configurationValues) => {
    // Act
    const [observation] = extract(loadEvent(fixture));

    // Assess
    expect(observation?.kind).toBe('eks-addon');
    expect((observation?.state as { configurationValues?: unknown }).configurationValues).toEqual(configurationValues);
  });

  it('leaves unparseable configurationValues unknown, so the live value decides', () => {
    // Prepare
    const event = loadEvent('eks-8/UpdateAddon.fail.network-policy-false.json');
    (event.detail as { requestParameters: Record<string, unknown> }).requestParameters.configurationValues = '[unclosed';

    // Act
    const [observation] = extract(event);

    // Assess
    expect((observation?.state as { configurationValues?: unknown }).configurationValues).toBeUndefined();
  });

  it('decodes the URL-encoded principalArn of AssociateAccessPolicy', () => {
    // Prepare
    const event = loadEvent('eks-6/AssociateAccessPolicy.pass.allow-listed.json');

    // Act
    const [observation] = extract(event);

    // Assess
    const principalArn = 'arn:aws:iam::111122223333:role/platform/eks-admins';
    const policyArn = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy';
    expect(observation).toEqual({
      kind: 'eks-access-policy',
      ref: accessPolicyRef(changeOf(event), 'analytics-prod', principalArn, policyArn),
      state: { clusterName: 'analytics-prod', principalArn, policyArn, accessScope: { type: 'cluster', namespaces: [] } },
    });
  });

  it('takes the namespaces of a namespace-scoped association', () => {
    // Act
    const [observation] = extract(loadEvent('eks-6/AssociateAccessPolicy.pass.namespace-scope.json'));

    // Assess
    expect((observation?.state as { accessScope: unknown }).accessScope).toEqual({ type: 'namespace', namespaces: ['team-a', 'team-a-staging'] });
  });

  it('reads Pod Identity associations, the service account of an update from its response', () => {
    // Prepare
    const create = eksEvent('CreatePodIdentityAssociation');
    const update = eksEvent('UpdatePodIdentityAssociation');
    const remove = eksEvent('DeletePodIdentityAssociation');
    const ref = podIdentityRef(changeOf(create), 'data-platform', 'a-4xkq9zr2mbt7wnp1c');

    // Act
    const observations = [create, update, remove].flatMap(extract);

    // Assess
    expect(observations).toEqual([
      {
        kind: 'eks-pod-identity',
        ref,
        state: {
          clusterName: 'data-platform',
          associationId: 'a-4xkq9zr2mbt7wnp1c',
          namespace: 'spark-jobs',
          serviceAccount: 'spark-driver',
          roleArn: 'arn:aws:iam::111122223333:role/workloads/spark-driver',
          tags: { team: 'data' },
        },
      },
      {
        kind: 'eks-pod-identity',
        ref,
        state: {
          clusterName: 'data-platform',
          associationId: 'a-4xkq9zr2mbt7wnp1c',
          namespace: 'spark-jobs',
          serviceAccount: 'spark-driver',
          roleArn: 'arn:aws:iam::111122223333:role/workloads/spark-driver-v2',
          tags: { team: 'data' },
        },
      },
      { kind: 'eks-pod-identity', ref, state: { clusterName: 'data-platform', associationId: 'a-4xkq9zr2mbt7wnp1c' }, deleted: true },
    ]);
    expect(Object.keys(((update.detail as { requestParameters: object }).requestParameters))).not.toContain('serviceAccount');
  });

  it('lets IAM.2 judge an UpdatePodIdentityAssociation offline', async () => {
    // Act
    const outcome = await evaluateEvent(eksEvent('UpdatePodIdentityAssociation'), { service: 'eks' });

    // Assess
    expect(outcome.notEvaluated).toEqual([]);
    expect(outcome.updates.map(({ finding }) => finding.Resources?.[0]?.Id)).toEqual([
      'arn:aws:eks:eu-west-1:111122223333:podidentityassociation/data-platform/a-4xkq9zr2mbt7wnp1c',
    ]);
  });

  it('ignores an event that names no cluster', () => {
    // Prepare
    const event = loadEvent('eks-4/UpdateClusterConfig.pass.api.json');
    delete (event.detail as { requestParameters: Record<string, unknown> }).requestParameters.name;

    // Act / Assess
    expect(extract(event)).toEqual([]);
  });

  it('declares every Delete* extractor as deleting, and only those', () => {
    // Assess
    for (const extractor of EKS_EXTRACTORS) {
      expect(Boolean(extractor.deletes), extractor.eventName).toBe(/^(Delete|Disassociate)/.test(extractor.eventName));
    }
  });
});

describe('EKS readers', () => {
  const change = changeOf(loadEvent('eks-1/UpdateClusterConfig.pass.private-only.json'));
  const subjectOf = <S extends Subject>(subject: S): S => subject;

  it('reads the whole cluster with eks:DescribeCluster, logging for all five types', async () => {
    // Prepare
    eks.on(DescribeClusterCommand).resolves(eksFixture<DescribeClusterResponse>('describe-cluster.batch-dev.audit-authenticator-logs'));
    const subject = subjectOf({ kind: 'eks-cluster', ref: clusterRef(change, 'batch-dev'), state: { clusterName: 'batch-dev' } });

    // Act
    const result = await describeCluster.read(subject, aws);

    // Assess
    expect(result).toEqual({
      found: true,
      state: {
        clusterName: 'batch-dev',
        endpointPublicAccess: false,
        endpointPrivateAccess: true,
        publicAccessCidrs: ['0.0.0.0/0'],
        logging: { api: false, audit: true, authenticator: true, controllerManager: false, scheduler: false },
        secretsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
        authenticationMode: 'API',
        kubernetesVersion: '1.32',
        vpcId: 'vpc-0e5f60718293a4b5c',
        subnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0b2c3d4e5f6071829', 'subnet-0c3d4e5f607182930'],
        oidcIssuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9',
        status: 'ACTIVE',
        tags: { team: 'batch' },
      },
    });
    expect(eks.commandCalls(DescribeClusterCommand).map((call) => call.args[0].input)).toEqual([{ name: 'batch-dev' }]);
  });

  it('says a cluster without encryption has none (null), not "unknown"', async () => {
    // Prepare
    eks.on(DescribeClusterCommand).resolves(eksFixture<DescribeClusterResponse>('describe-cluster.analytics-prod.private-only'));

    // Act
    const result = await describeCluster.read({ kind: 'eks-cluster', ref: clusterRef(change, 'analytics-prod'), state: { clusterName: 'analytics-prod' } }, aws);

    // Assess
    expect(result.found && result.state.secretsKeyArn).toBeNull();
  });

  it('reads a node group with eks:DescribeNodegroup', async () => {
    // Prepare
    eks.on(DescribeNodegroupCommand).resolves(eksFixture<DescribeNodegroupResponse>('describe-nodegroup.payments-prod.workers'));
    const ref = nodegroupRef(change, 'payments-prod', 'workers');

    // Act
    const result = await describeNodegroup.read({ kind: 'eks-nodegroup', ref, state: { clusterName: 'payments-prod', nodegroupName: 'workers' } }, aws);

    // Assess
    expect(result).toEqual({
      found: true,
      state: {
        clusterName: 'payments-prod',
        nodegroupName: 'workers',
        nodeRoleArn: 'arn:aws:iam::111122223333:role/eks/payments-prod-node-role',
        launchTemplate: { id: 'lt-0a9b8c7d6e5f40312', name: 'payments-nodes', version: '3' },
        tags: { 'cost-center': 'payments' },
      },
    });
    expect(eks.commandCalls(DescribeNodegroupCommand)[0]?.args[0].input).toEqual({ clusterName: 'payments-prod', nodegroupName: 'workers' });
  });

  it.each([
    ['batch-prod.network-policy', { enableNetworkPolicy: 'true' }],
    ['batch-prod.defaults', null],
  ])('reads an add-on (%s) with eks:DescribeAddon', async (fixture, configurationValues) => {
    // Prepare
    eks.on(DescribeAddonCommand).resolves(eksFixture<DescribeAddonResponse>(`describe-addon.${fixture}`));
    const ref = addonRef(change, 'batch-prod', 'vpc-cni');

    // Act
    const result = await describeAddon.read({ kind: 'eks-addon', ref, state: { clusterName: 'batch-prod', addonName: 'vpc-cni' } }, aws);

    // Assess
    expect(result).toEqual({ found: true, state: { clusterName: 'batch-prod', addonName: 'vpc-cni', configurationValues, tags: { team: 'batch' } } });
  });

  it('reads a Pod Identity association with eks:DescribePodIdentityAssociation', async () => {
    // Prepare
    eks.on(DescribePodIdentityAssociationCommand).resolves(eksFixture<DescribePodIdentityAssociationResponse>('describe-pod-identity-association.spark-driver'));
    const ref = podIdentityRef(change, 'data-platform', 'a-4xkq9zr2mbt7wnp1c');

    // Act
    const result = await describePodIdentityAssociation.read({ kind: 'eks-pod-identity', ref, state: { clusterName: 'data-platform' } }, aws);

    // Assess
    expect(result).toEqual({
      found: true,
      state: {
        clusterName: 'data-platform',
        associationId: 'a-4xkq9zr2mbt7wnp1c',
        namespace: 'spark-jobs',
        serviceAccount: 'spark-driver',
        roleArn: 'arn:aws:iam::111122223333:role/workloads/spark-driver-v2',
        tags: { team: 'data' },
      },
    });
    expect(eks.commandCalls(DescribePodIdentityAssociationCommand)[0]?.args[0].input).toEqual({ clusterName: 'data-platform', associationId: 'a-4xkq9zr2mbt7wnp1c' });
  });

  it('lists the namespaces of running EMR virtual clusters on the cluster, over every page', async () => {
    // Prepare
    emr.pages(
      eksFixture<ListVirtualClustersResponse>('list-virtual-clusters.data-platform.page-1'),
      eksFixture<ListVirtualClustersResponse>('list-virtual-clusters.data-platform.page-2'),
    );
    const policyArn = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy';
    const principalArn = 'arn:aws:iam::111122223333:role/spark-submitters';
    const ref = accessPolicyRef(change, 'data-platform', principalArn, policyArn);

    // Act
    const result = await listEmrNamespaces.read(
      { kind: 'eks-access-policy', ref, state: { clusterName: 'data-platform', principalArn, policyArn, accessScope: { type: 'cluster', namespaces: [] } } },
      aws,
    );

    // Assess
    expect(result).toEqual({ found: true, state: { emrNamespaces: ['spark-adhoc', 'spark-jobs'] } });
    expect(emr.inputs().map((input) => input.nextToken)).toEqual([undefined, 'eyJvZmZzZXQiOjJ9']);
  });
});

describe('EKS wiring', () => {
  it('declares, per reader, exactly the IAM action it calls', () => {
    // Assess
    expect(Object.fromEntries(EKS_READERS.map((reader) => [reader.id, [reader.kind, ...reader.actions]]))).toEqual({
      'eks:DescribeCluster': ['eks-cluster', 'eks:DescribeCluster'],
      'eks:DescribeNodegroup': ['eks-nodegroup', 'eks:DescribeNodegroup'],
      'eks:DescribeAddon': ['eks-addon', 'eks:DescribeAddon'],
      'eks:DescribePodIdentityAssociation': ['eks-pod-identity', 'eks:DescribePodIdentityAssociation'],
      'emr-containers:ListVirtualClusters': ['eks-access-policy', 'emr-containers:ListVirtualClusters'],
    });
  });

  it('registers every reader an EKS rule may ask for, of a kind the rule judges', () => {
    // Assess
    for (const rule of EKS_RULES) {
      for (const id of rule.reads) {
        const reader = EKS_READERS.find((candidate) => candidate.id === id);
        expect(reader, `${rule.id} reads ${id}`).toBeDefined();
        expect(rule.resourceKinds, `${rule.id} reads ${id}`).toContain(reader?.kind);
      }
    }
  });

  it('archives, on DeleteAccessEntry, exactly the access policies EKS.6 and EKS.7 judge', () => {
    // Assess
    expect([...JUDGED_ACCESS_POLICIES].sort()).toEqual([...new Set([...CLUSTER_ADMIN_POLICIES, ...NAMESPACE_WRITE_POLICIES])].sort());
  });

  it('gives the eks function the events and the permissions its rules need', () => {
    // Prepare
    const registry = createRegistry({ rules: RULES, extractors: EXTRACTORS, expanders: EXPANDERS, readers: ALL_READERS, service: 'eks' });

    // Assess
    expect(registry.eventNames().get('eks')).toEqual(
      expect.arrayContaining([
        'AssociateAccessPolicy',
        'AssociateEncryptionConfig',
        'CreateAddon',
        'CreateCluster',
        'CreateNodegroup',
        'DeleteAccessEntry',
        'DeleteAddon',
        'DeleteCluster',
        'DeleteNodegroup',
        'DeletePodIdentityAssociation',
        'DisassociateAccessPolicy',
        'UpdateAddon',
        'UpdateClusterConfig',
        'UpdateClusterVersion',
        'UpdateNodegroupVersion',
      ]),
    );
    expect(registry.requiredActions()).toEqual(
      expect.arrayContaining([
        'eks:DescribeAddon',
        'eks:DescribeCluster',
        'eks:DescribeNodegroup',
        'eks:DescribePodIdentityAssociation',
        'emr-containers:ListVirtualClusters',
      ]),
    );
  });
});
