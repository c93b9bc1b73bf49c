import { EMR_READER_IDS } from '../../sources/emr/reader-ids.ts';
import { defineRule } from '../types.ts';
import { describeWorkload } from './workload.ts';

export const emr4EndpointPrivateSubnet = defineRule({
  id: 'EMR.4',
  title: 'EMR on EKS managed endpoint runs on a cluster with a private subnet',
  severity: 'HIGH',
  description:
    "A managed (interactive) endpoint creates a load balancer in its EKS cluster's subnets. With at least one private subnet " +
    'the load balancer can be kept reachable only from the VPC; on a cluster with only public subnets (a default route to an ' +
    'internet gateway) the gateway to the Spark kernels can face the internet.',
  recommendation: {
    text: "Create managed endpoints only on EKS clusters with at least one private subnet (no 0.0.0.0/0 or ::/0 route to an internet gateway), and restrict the endpoint load balancer's security group to known addresses.",
    url: 'https://docs.aws.amazon.com/emr/latest/EMR-on-EKS-DevelopmentGuide/security-best-practices.html',
  },
  source: 'EMR on EKS security best practices, "Access control list for endpoints" (seeds 001; 000 in Chinese)',
  resourceKinds: ['emr-managed-endpoint'],
  triggers: [{ service: 'emr-containers', eventNames: ['CreateManagedEndpoint'] }],
  reads: [EMR_READER_IDS.endpointPrivateSubnets],
  evaluate(subject) {
    const { hasPrivateSubnet, clusterName } = subject.state;
    if (hasPrivateSubnet === undefined) {
      return {
        status: 'NEEDS',
        readers: [EMR_READER_IDS.endpointPrivateSubnets],
        why: "the EKS cluster's subnets and route tables (the event names only the virtual cluster)",
      };
    }
    const cluster = clusterName ?? 'behind its virtual cluster';
    const evidence = { eksCluster: cluster, hasPrivateSubnet: String(hasPrivateSubnet) };
    return hasPrivateSubnet
      ? { status: 'PASSED', summary: `${describeWorkload(subject)} runs on EKS cluster ${cluster}, which has a private subnet.`, evidence }
      : {
          status: 'FAILED',
          summary: `${describeWorkload(subject)} runs on EKS cluster ${cluster}, whose subnets all route 0.0.0.0/0 or ::/0 to an internet gateway: none is private.`,
          evidence,
        };
  },
});
