/**
 * LT.2 remediation: a new launch-template version with `HttpPutResponseHopLimit: 1`, made the
 * default. Pods that are not on the host network can no longer reach IMDS, which breaks those
 * that need it (the AWS Load Balancer Controller without an explicit VPC id and region, for one):
 * see docs/remediation.md.
 */
import {
  applyTemplate,
  inspectDefaultVersion,
  LAUNCH_TEMPLATE_GROUP,
  LAUNCH_TEMPLATE_PERMISSIONS,
  planTemplate,
  type TemplateFacts,
} from './launch-template.ts';
import type { Remediation } from './types.ts';

export const lt2Remediation: Remediation<'launch-template', TemplateFacts> = {
  ruleId: 'LT.2',
  kind: 'launch-template',
  description:
    'Creates a new version of the launch template from its default version with only MetadataOptions.HttpPutResponseHopLimit set to 1 ' +
    '(the other metadata fields as they were), and makes it the default. Pods that need IMDS, such as the AWS Load Balancer Controller, stop reaching it.',
  permissions: LAUNCH_TEMPLATE_PERMISSIONS,
  group: LAUNCH_TEMPLATE_GROUP,
  inspect: inspectDefaultVersion,
  plan: (subject, _config, context) => planTemplate('LT.2', subject, context),
  apply: applyTemplate,
};
