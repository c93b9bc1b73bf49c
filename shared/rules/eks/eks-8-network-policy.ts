import { defineRule } from '../types.ts';

const VPC_CNI = 'vpc-cni';

export const eks8NetworkPolicy = defineRule({
  id: 'EKS.8',
  title: 'EKS VPC CNI add-on enforces Kubernetes NetworkPolicy',
  severity: 'LOW',
  description:
    'Unless the vpc-cni add-on runs with enableNetworkPolicy "true", Kubernetes NetworkPolicy objects are accepted but not enforced, and every pod can reach every other pod and the node\'s neighbours.',
  recommendation: {
    text: 'Update the vpc-cni add-on with configurationValues {"enableNetworkPolicy":"true"}, keeping its other values (aws eks update-addon --addon-name vpc-cni --configuration-values ...).',
    url: 'https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html',
  },
  source: 'Securing Kubernetes workloads in Amazon EKS (re:Invent CON335): native NetworkPolicy enforcement in the VPC CNI',
  resourceKinds: ['eks-addon'],
  triggers: [{ service: 'eks', eventNames: ['CreateAddon', 'UpdateAddon'] }],
  reads: ['eks:DescribeAddon'],
  evaluate({ ref, state }) {
    if (state.addonName !== VPC_CNI) {
      return { status: 'NOT_APPLICABLE', summary: `EKS add-on ${ref.name} is not the VPC CNI.` };
    }
    if (state.configurationValues === undefined) {
      return { status: 'NEEDS', readers: ['eks:DescribeAddon'], why: 'the update keeps the add-on\'s current configuration values' };
    }
    const value = state.configurationValues?.enableNetworkPolicy;
    // The add-on schema takes the string "true"; YAML written without quotes gives a boolean.
    if (value === 'true' || value === true) {
      return { status: 'PASSED', summary: `EKS add-on ${ref.name} enforces Kubernetes NetworkPolicy.`, evidence: { enableNetworkPolicy: String(value) } };
    }
    return {
      status: 'FAILED',
      summary: `EKS add-on ${ref.name} does not enforce Kubernetes NetworkPolicy (enableNetworkPolicy is ${value === undefined ? 'not set' : JSON.stringify(value)}).`,
      evidence: { enableNetworkPolicy: value === undefined ? 'not set' : JSON.stringify(value) },
    };
  },
});
