import { defineRule } from '../types.ts';
import { listOf, unaffected } from './common.ts';

export const eks2ControlPlaneLogging = defineRule({
  id: 'EKS.2',
  title: 'EKS cluster control-plane logging covers the required log types',
  severity: 'MEDIUM',
  description:
    'Without the api, audit and authenticator control-plane logs there is no record of who called the Kubernetes API, what they changed, or which IAM identity they authenticated as, so an intrusion cannot be traced. The required types are configurable (requiredLogTypes).',
  recommendation: {
    text: 'Enable the missing control-plane log types (aws eks update-cluster-config --logging \'{"clusterLogging":[{"types":["api","audit","authenticator"],"enabled":true}]}\').',
    url: 'https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html',
  },
  source: 'Rule catalogue (rules.md, EKS clusters); the seed documents rely on CloudTrail and audit logs for auditability (re:Invent CON335) but name no log types',
  resourceKinds: ['eks-cluster'],
  triggers: [{ service: 'eks', eventNames: ['CreateCluster', 'UpdateClusterConfig'] }],
  reads: ['eks:DescribeCluster'],
  evaluate({ ref, state }, { config }) {
    const logging = state.logging;
    const required = config.requiredLogTypes;
    // A logging update lists only the types it toggles; one that toggles no required type cannot change the verdict.
    if (!logging || required.every((type) => logging[type] === undefined)) {
      return unaffected('the change toggles none of the required control-plane log types');
    }
    const disabled = required.filter((type) => logging[type] === false);
    if (disabled.length > 0) {
      return {
        status: 'FAILED',
        summary: `EKS cluster ${ref.name} has the ${listOf(disabled)} control-plane log${disabled.length > 1 ? 's' : ''} turned off.`,
        evidence: { disabledLogTypes: disabled.join(','), requiredLogTypes: required.join(',') },
      };
    }
    if (required.some((type) => logging[type] === undefined)) {
      return { status: 'NEEDS', readers: ['eks:DescribeCluster'], why: 'the logging update names only some of the required log types' };
    }
    return {
      status: 'PASSED',
      summary: `EKS cluster ${ref.name} sends the ${listOf(required)} control-plane logs to CloudWatch Logs.`,
      evidence: { requiredLogTypes: required.join(',') },
    };
  },
});
