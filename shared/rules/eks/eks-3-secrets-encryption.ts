import { defineRule } from '../types.ts';

export const eks3SecretsEncryption = defineRule({
  id: 'EKS.3',
  title: 'EKS cluster secrets are envelope-encrypted with a KMS key',
  severity: 'MEDIUM',
  description:
    'Without envelope encryption, Kubernetes secrets rest in etcd protected only by the volume encryption EKS applies; a KMS key adds a second layer whose use is logged in CloudTrail and can be revoked.',
  recommendation: {
    text: 'Associate a KMS key with the cluster for secrets (aws eks associate-encryption-config --encryption-config \'[{"resources":["secrets"],"provider":{"keyArn":"..."}}]\'); it cannot be removed afterwards.',
    url: 'https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html',
  },
  source: 'Rule catalogue (rules.md, EKS clusters); the EMR on EKS security best practices ask to keep Kubernetes secrets from job submitters, which this protects at rest',
  resourceKinds: ['eks-cluster'],
  triggers: [{ service: 'eks', eventNames: ['CreateCluster', 'AssociateEncryptionConfig'] }],
  reads: ['eks:DescribeCluster'],
  evaluate({ ref, state }) {
    if (state.secretsKeyArn === undefined) {
      return { status: 'NEEDS', readers: ['eks:DescribeCluster'], why: 'the event does not say which key encrypts secrets' };
    }
    if (state.secretsKeyArn === null) {
      return { status: 'FAILED', summary: `EKS cluster ${ref.name} does not envelope-encrypt Kubernetes secrets with a KMS key.` };
    }
    return {
      status: 'PASSED',
      summary: `EKS cluster ${ref.name} envelope-encrypts Kubernetes secrets with KMS key ${state.secretsKeyArn}.`,
      evidence: { secretsKeyArn: state.secretsKeyArn },
    };
  },
});
