import { defineRule } from '../types.ts';
import { unaffected } from './common.ts';

export const ng1CustomLaunchTemplate = defineRule({
  id: 'NG.1',
  title: 'EKS managed node group uses a custom launch template',
  severity: 'MEDIUM',
  description:
    'Pods inherit the node role through the instance metadata service unless IMDSv2 is required with a hop limit of 1. A managed node group without a custom launch template uses one EKS generates, whose metadata options cannot be set, so pod access to IMDS cannot be restricted. LT.1 and LT.2 judge the template a node group uses.',
  recommendation: {
    text: 'Create the node group from a launch template with MetadataOptions HttpTokens=required and HttpPutResponseHopLimit=1 (a node group cannot switch to a custom template afterwards: replace it).',
    url: 'https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html',
  },
  source: 'Amazon EKS security best practices: restrict access to IMDS and the Amazon EC2 instance profile credentials (managed nodes without a custom launch template)',
  resourceKinds: ['eks-nodegroup'],
  triggers: [{ service: 'eks', eventNames: ['CreateNodegroup', 'UpdateNodegroupVersion'] }],
  reads: [],
  evaluate({ ref, state }) {
    const template = state.launchTemplate;
    if (template === undefined) return unaffected('a version update without a launch template keeps the node group\'s template');
    if (template === null) {
      return { status: 'FAILED', summary: `EKS node group ${ref.name} uses no custom launch template, so its pods' access to IMDS cannot be restricted.` };
    }
    const name = template.id ?? template.name ?? '';
    return {
      status: 'PASSED',
      summary: `EKS node group ${ref.name} uses custom launch template ${name}${template.version ? ` version ${template.version}` : ''}.`,
      evidence: {
        launchTemplate: name,
        ...(template.version ? { launchTemplateVersion: template.version } : {}),
      },
    };
  },
});
