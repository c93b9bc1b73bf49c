/**
 * LT.1 remediation: a new launch-template version with `HttpTokens: required` (IMDSv2 only),
 * made the default. Workloads whose SDK predates IMDSv2 lose instance credentials: see
 * docs/remediation.md.
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

export const lt1Remediation: Remediation<'launch-template', TemplateFacts> = {
  ruleId: 'LT.1',
  kind: 'launch-template',
  description:
    'Creates a new version of the launch template from its default version with only MetadataOptions.HttpTokens set to required ' +
    '(the other metadata fields as they were), and makes it the default. Instances already running and node groups pinned to a version keep theirs.',
  permissions: LAUNCH_TEMPLATE_PERMISSIONS,
  group: LAUNCH_TEMPLATE_GROUP,
  inspect: inspectDefaultVersion,
  plan: (subject, _config, context) => planTemplate('LT.1', subject, context),
  apply: applyTemplate,
};
