/**
 * LT.1: instances launched from the template accept only IMDSv2 (session tokens). IMDSv1 answers
 * any GET, so an SSRF in any workload, or any pod on an EKS node, can read the node role's
 * credentials with it.
 */
import { LT_READERS } from '../../sources/ec2/reader-ids.ts';
import { defineRule } from '../types.ts';
import { baseEvidence, effectiveValue, endpointState, templateLabel } from './effective-imds.ts';

export const lt1ImdsV2Required = defineRule({
  id: 'LT.1',
  title: 'EC2 launch templates require IMDSv2 (HttpTokens required)',
  severity: 'HIGH',
  description:
    'The version of the launch template that the change created, made the default or that an EKS node group uses must set MetadataOptions.HttpTokens to required. ' +
    'A version that does not write HttpTokens gets the account default for the region, then the AMI (ImdsSupport v2.0 means required), then optional: ' +
    'with IMDSv1 reachable, any process or pod on the instance, or an SSRF in a workload, can read the instance role credentials without a session token.',
  recommendation: {
    text:
      'Create a launch template version with MetadataOptions HttpTokens=required (HttpEndpoint enabled), make it the default and move node groups and Auto Scaling groups to it (EKS: UpdateNodegroupVersion). ' +
      'Check first that workloads use an SDK recent enough for IMDSv2. For templates that omit it, an account default (ModifyInstanceMetadataDefaults HttpTokens=required) also applies.',
    url: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html',
  },
  source: 'Amazon EKS security best practices: restrict access to IMDS and the Amazon EC2 instance profile credentials (managed nodes with a custom launch template: metadata version V2 only, token required)',
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
        summary: `${label} turns the instance metadata service off (HttpEndpoint disabled, set by ${endpoint.source}), so IMDSv1 cannot be reached.`,
        evidence: {
          ...evidence,
          httpEndpoint: 'disabled',
          imds: `IMDS is disabled by ${endpoint.source}: no process or pod on the instance can read credentials from it, whatever HttpTokens says.`,
          ...(subject.ref.attrs.nodegroup ? { eksNote: 'EKS nodes normally need IMDS (node bootstrap, VPC CNI): check that the node group still joins the cluster.' } : {}),
        },
      };
    }
    const tokens = effectiveValue(subject.state, 'httpTokens');
    if (tokens.status === 'NEEDS') return tokens;
    if (tokens.value === 'required') {
      return {
        status: 'PASSED',
        summary: `${label} requires IMDSv2: HttpTokens is required (${tokens.source}).`,
        evidence: { ...evidence, httpTokens: tokens.value, ...tokens.evidence },
      };
    }
    // Before failing, make sure an inherited HttpEndpoint does not turn IMDS off altogether.
    if (endpoint.disabled === undefined) {
      return { status: 'NEEDS', readers: [LT_READERS.versions], why: "the judged version's MetadataOptions.HttpEndpoint is inherited and not in the event" };
    }
    return {
      status: 'FAILED',
      summary: `${label} allows IMDSv1: HttpTokens is ${tokens.value} (${tokens.source}).`,
      evidence: { ...evidence, httpTokens: tokens.value, ...tokens.evidence },
    };
  },
});
