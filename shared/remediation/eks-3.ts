/**
 * EKS.3 remediation: associates the configured KMS key (`remediation.kmsKeyArn`) for envelope
 * encryption of Kubernetes secrets. One-way: EKS cannot remove it again, and the cluster depends
 * on the key from then on (a disabled or deleted key makes secrets unreadable).
 *
 * EKS uses the key with the caller's credentials (it creates a grant for the cluster), so the
 * remediator needs kms:DescribeKey and kms:CreateGrant on that key, and the key must be in the
 * cluster's region.
 */
import { CLUSTER_ARN, CLUSTER_READS, clusterBusy, clusterNotChangeable } from './cluster.ts';
import { sendAll } from './calls.ts';
import type { Permission, Remediation } from './types.ts';

function regionOfArn(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

/** KMS authorises on the key, never on an alias: an alias ARN is matched through `kms:ResourceAliases`. */
function keyPermissions(keyArn: string): Permission[] {
  const alias = /^(arn:[^:]+:kms:[^:]+:\d{12}):(alias\/.+)$/.exec(keyArn);
  const kms: Permission = alias
    ? { actions: ['kms:CreateGrant', 'kms:DescribeKey'], resources: [`${alias[1]}:key/*`], condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [alias[2] ?? ''] } } }
    : { actions: ['kms:CreateGrant', 'kms:DescribeKey'], resources: [keyArn] };
  return [
    { actions: ['eks:AssociateEncryptionConfig'], resources: [CLUSTER_ARN], condition: { 'ForAllValues:ArnEquals': { 'eks:encryptionConfigProviderKeyArns': [keyArn] } } },
    kms,
  ];
}

export const eks3Remediation: Remediation<'eks-cluster'> = {
  ruleId: 'EKS.3',
  kind: 'eks-cluster',
  description:
    'Associates the configured KMS key (remediation.kmsKeyArn) for envelope encryption of Kubernetes secrets (AssociateEncryptionConfig). ' +
    'Irreversible: encryption cannot be removed, and the cluster depends on the key from then on.',
  permissions: [
    { actions: ['eks:AssociateEncryptionConfig'], resources: [CLUSTER_ARN] },
    { actions: ['kms:CreateGrant', 'kms:DescribeKey'], resources: ['arn:${partition}:kms:${region}:${account}:key/*'] },
  ],
  configuredPermissions: (config) => (config.remediation.kmsKeyArn ? keyPermissions(config.remediation.kmsKeyArn) : []),
  reads: CLUSTER_READS,
  busy: clusterBusy,
  plan(subject, config, context) {
    const blocked = clusterNotChangeable(subject);
    if (blocked) return blocked;
    const { ref, state } = subject;
    const keyArn = config.remediation.kmsKeyArn;
    if (!keyArn) return { status: 'NOT_REMEDIABLE', reason: 'remediation.kmsKeyArn is not configured' };
    if (state.secretsKeyArn === undefined) return { status: 'NOT_REMEDIABLE', reason: `the encryption settings of EKS cluster ${ref.name} could not be read` };
    if (state.secretsKeyArn !== null) {
      return { status: 'NOT_REMEDIABLE', reason: `EKS cluster ${ref.name} already encrypts secrets with ${state.secretsKeyArn}, and an association cannot be replaced` };
    }
    if (regionOfArn(keyArn) !== ref.region) {
      return { status: 'NOT_REMEDIABLE', reason: `KMS key ${keyArn} is not in the region of EKS cluster ${ref.name} (${ref.region}); EKS needs a key in the cluster's region` };
    }
    return {
      status: 'PLANNED',
      calls: [
        {
          service: 'eks',
          command: 'AssociateEncryptionConfig',
          input: {
            clusterName: state.clusterName,
            encryptionConfig: [{ resources: ['secrets'], provider: { keyArn } }],
            clientRequestToken: context.token,
          },
        },
      ],
      summary: `EKS cluster ${ref.name}: Kubernetes secrets envelope-encrypted with KMS key ${keyArn} (irreversible).`,
      before: { secretsKeyArn: null },
      after: { secretsKeyArn: keyArn },
    };
  },
  async apply(plan, subject, aws) {
    await sendAll(plan.calls, aws, subject.ref);
    return { calls: plan.calls, after: plan.after };
  },
};
