/** The eks rules. One line per rule file. */
import type { AnyRule } from '../types.ts';
import { eks1PublicEndpoint } from './eks-1-public-endpoint.ts';
import { eks2ControlPlaneLogging } from './eks-2-control-plane-logging.ts';
import { eks3SecretsEncryption } from './eks-3-secrets-encryption.ts';
import { eks4AuthenticationMode } from './eks-4-authentication-mode.ts';
import { eks5BootstrapAdmin } from './eks-5-bootstrap-admin.ts';
import { eks6ClusterAdminPolicy } from './eks-6-cluster-admin-policy.ts';
import { eks7EmrNamespaceAccess } from './eks-7-emr-namespace-access.ts';
import { eks8NetworkPolicy } from './eks-8-network-policy.ts';
import { eks9KubernetesVersion } from './eks-9-kubernetes-version.ts';
import { ng1CustomLaunchTemplate } from './ng-1-custom-launch-template.ts';

export const EKS_RULES: readonly AnyRule[] = [
  eks1PublicEndpoint,
  eks2ControlPlaneLogging,
  eks3SecretsEncryption,
  eks4AuthenticationMode,
  eks5BootstrapAdmin,
  eks6ClusterAdminPolicy,
  eks7EmrNamespaceAccess,
  eks8NetworkPolicy,
  eks9KubernetesVersion,
  ng1CustomLaunchTemplate,
];
