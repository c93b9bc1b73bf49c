import { defineRule } from '../types.ts';
import { unaffected } from './common.ts';

export const eks4AuthenticationMode = defineRule({
  id: 'EKS.4',
  title: 'EKS cluster access is managed by access entries only',
  severity: 'MEDIUM',
  description:
    'With the aws-auth ConfigMap as a source of identities, cluster access is granted inside Kubernetes, out of sight of IAM and CloudTrail, and one bad edit can lock every administrator out. Authentication mode API manages access through EKS access entries only; API_AND_CONFIG_MAP is the migration step (LOW), CONFIG_MAP the legacy mode (MEDIUM).',
  recommendation: {
    text: 'Move the cluster to API_AND_CONFIG_MAP, migrate the aws-auth entries to access entries, then move to API (aws eks update-cluster-config --access-config authenticationMode=API). The mode can only move forward.',
    url: 'https://docs.aws.amazon.com/eks/latest/userguide/setting-up-access-entries.html',
  },
  source: 'Securing Kubernetes workloads in Amazon EKS (re:Invent CON335): cluster access management, authentication modes CONFIG_MAP, API_AND_CONFIG_MAP and API',
  resourceKinds: ['eks-cluster'],
  triggers: [{ service: 'eks', eventNames: ['CreateCluster', 'UpdateClusterConfig'] }],
  reads: [],
  evaluate({ ref, state }) {
    const mode = state.authenticationMode;
    if (mode === undefined) return unaffected('the change leaves the authentication mode as it was');
    const evidence = { authenticationMode: mode };
    if (mode === 'API') {
      return { status: 'PASSED', summary: `EKS cluster ${ref.name} manages access with access entries only (authentication mode API).`, evidence };
    }
    if (mode === 'API_AND_CONFIG_MAP') {
      return {
        status: 'FAILED',
        severity: 'LOW',
        summary: `EKS cluster ${ref.name} still accepts identities from the aws-auth ConfigMap (authentication mode API_AND_CONFIG_MAP).`,
        evidence,
      };
    }
    return {
      status: 'FAILED',
      summary: `EKS cluster ${ref.name} manages access with the aws-auth ConfigMap (authentication mode ${mode}).`,
      evidence,
    };
  },
});
