/**
 * LT.2: the IMDSv2 token response does not survive the extra network hop into a pod's network
 * namespace, so pods that are not on the host network cannot get a token, and with LT.1 cannot
 * use IMDS at all. They then have to get AWS credentials from IRSA or EKS Pod Identity.
 */
import { LT_READERS } from '../../sources/ec2/reader-ids.ts';
import { defineRule } from '../types.ts';
import { baseEvidence, effectiveValue, endpointState, templateLabel } from './effective-imds.ts';

export const lt2HopLimit = defineRule({
  id: 'LT.2',
  title: 'EC2 launch templates keep the IMDSv2 hop limit at 1',
  severity: 'MEDIUM',
  description:
    'The version of the launch template that the change created, made the default or that an EKS node group uses must set MetadataOptions.HttpPutResponseHopLimit to 1, ' +
    'so containers that are not on the host network cannot obtain an IMDSv2 token and inherit the node role. ' +
    'A version that does not write it gets the account default, then the AMI (ImdsSupport v2.0 means 2), then 1. ' +
    'The limit only binds IMDSv2: while HttpTokens is optional (LT.1), pods still reach IMDSv1.',
  recommendation: {
    text:
      'Create a version with HttpPutResponseHopLimit=1 (and HttpTokens=required), make it the default and update node groups to it. ' +
      'This breaks pods that need IMDS and do not use host networking, such as the AWS Load Balancer Controller: give them IRSA or Pod Identity ' +
      'and their region and VPC ID explicitly, or run them with hostNetwork: true. Self-managed node stacks must be changed again at each update.',
    url: 'https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html',
  },
  source: 'Amazon EKS security best practices: restrict access to IMDS and the Amazon EC2 instance profile credentials (custom launch template: metadata response hop limit 1; mind the AWS Load Balancer Controller)',
  resourceKinds: ['launch-template'],
  triggers: [
    { service: 'ec2', eventNames: ['CreateLaunchTemplate', 'CreateLaunchTemplateVersion', 'ModifyLaunchTemplate'] },
    { service: 'eks', eventNames: ['CreateNodegroup', 'UpdateNodegroupVersion'] },
  ],
  reads: [LT_READERS.versions, LT_READERS.accountDefaults, LT_READERS.images],
  evaluate(subject) {
    const label = templateLabel(subject);
    const evidence = baseEvidence(subject);
    const endpoint = endpointState(subject.state);
    if (endpoint.disabled === true) {
      return {
        status: 'PASSED',
        summary: `${label} turns the instance metadata service off (HttpEndpoint disabled, set by ${endpoint.source}), so no container can reach it.`,
        evidence: {
          ...evidence,
          httpEndpoint: 'disabled',
          imds: `IMDS is disabled by ${endpoint.source}: no process or pod on the instance can read credentials from it, whatever the hop limit says.`,
          ...(subject.ref.attrs.nodegroup ? { eksNote: 'EKS nodes normally need IMDS (node bootstrap, VPC CNI): check that the node group still joins the cluster.' } : {}),
        },
      };
    }
    const hops = effectiveValue(subject.state, 'httpPutResponseHopLimit');
    if (hops.status === 'NEEDS') return hops;
    if (hops.value <= 1) {
      return {
        status: 'PASSED',
        summary: `${label} keeps IMDSv2 on the host network: HttpPutResponseHopLimit is ${hops.value} (${hops.source}).`,
        evidence: { ...evidence, httpPutResponseHopLimit: String(hops.value), ...hops.evidence },
      };
    }
    if (endpoint.disabled === undefined) {
      return { status: 'NEEDS', readers: [LT_READERS.versions], why: "the judged version's MetadataOptions.HttpEndpoint is inherited and not in the event" };
    }
    return {
      status: 'FAILED',
      summary: `${label} lets containers reach IMDSv2 and the node role's credentials: HttpPutResponseHopLimit is ${hops.value} (${hops.source}).`,
      evidence: { ...evidence, httpPutResponseHopLimit: String(hops.value), ...hops.evidence },
    };
  },
});
