import { EMR_READER_IDS, JOB_RUN_MAX_PAGES, JOB_RUN_PAGE_SIZE, JOB_RUN_WINDOW_DAYS } from '../../sources/emr/reader-ids.ts';
import { hasTemplateParameter } from '../../sources/emr/workload.ts';
import { defineRule } from '../types.ts';
import { describeWorkload } from './workload.ts';

const WINDOW = `job runs created in the last ${JOB_RUN_WINDOW_DAYS} days (at most the newest ${JOB_RUN_MAX_PAGES * JOB_RUN_PAGE_SIZE})`;

export const emr2VirtualClusterSingleRole = defineRule({
  id: 'EMR.2',
  title: 'EMR on EKS virtual cluster is not shared by several execution roles',
  severity: 'MEDIUM',
  description:
    'EMR on EKS does not inspect the code tenants submit. When one virtual cluster runs jobs under several execution roles, ' +
    'a malicious job from one tenant can reach the managed service accounts, pod templates and credentials of the other roles ' +
    'in the same namespace and escalate its privileges.',
  recommendation: {
    text: 'Give each group of tenants and execution roles with similar privileges its own virtual cluster (its own namespace), and stop submitting jobs with other roles to this one.',
    url: 'https://docs.aws.amazon.com/emr/latest/EMR-on-EKS-DevelopmentGuide/security-best-practices.html',
  },
  source: 'EMR on EKS security best practices, "Isolate untrusted application code" (seeds 001; 000 in Chinese)',
  resourceKinds: ['emr-virtual-cluster'],
  triggers: [{ service: 'emr-containers', eventNames: ['StartJobRun'] }],
  reads: [EMR_READER_IDS.listJobRuns],
  evaluate(subject) {
    const listed = subject.state.executionRoleArns;
    if (listed === undefined) {
      return { status: 'NEEDS', readers: [EMR_READER_IDS.listJobRuns], why: `the execution roles of the virtual cluster's other ${WINDOW}` };
    }
    const current = subject.state.workload?.executionRoleArn;
    // The run that triggered this usually appears in the listing too; count it once either way.
    const roles = [...new Set([...listed, ...(typeof current === 'string' && !hasTemplateParameter(current) ? [current] : [])])].sort();
    const cluster = subject.state.name ? `${subject.state.name} (${subject.state.virtualClusterId})` : subject.state.virtualClusterId;
    const evidence = { executionRoleArns: roles.join(', '), window: WINDOW };
    if (roles.length > 1) {
      return {
        status: 'FAILED',
        summary: `EMR on EKS virtual cluster ${cluster} is shared by ${roles.length} execution roles: ${roles.join(', ')}.`,
        evidence,
      };
    }
    return {
      status: 'PASSED',
      summary:
        roles.length === 1
          ? `EMR on EKS virtual cluster ${cluster} runs jobs under one execution role, ${roles[0]}.`
          : `${describeWorkload(subject)}: no execution role seen in the virtual cluster's ${WINDOW}.`,
      evidence,
    };
  },
});
