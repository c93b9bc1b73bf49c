import { roleAdminGrants, rolePermissions } from '../../policy/role.ts';
import { EXECUTION_ROLE_READER, WORKLOAD_READER } from '../../sources/emr/reader-ids.ts';
import { hasTemplateParameter } from '../../sources/emr/workload.ts';
import { defineRule, type Evaluation } from '../types.ts';
import { describeWorkload } from './workload.ts';

export const emr1ExecutionRoleLeastPrivilege = defineRule({
  id: 'EMR.1',
  title: 'EMR on EKS execution role has no admin-equivalent permission',
  severity: 'HIGH',
  description:
    "Job and endpoint pods assume the execution role to reach AWS, running whatever code was submitted. An execution role " +
    'with admin-equivalent permissions (AdministratorAccess, PowerUserAccess, IAMFullAccess, or Allow *, iam:* or sts:* on ' +
    'every resource) lets any job escalate to control of the account.',
  recommendation: {
    text: 'Grant the execution role only what the job needs (its data, its log destinations); detach admin policies and replace wildcard statements with scoped actions and resources. Review it whenever the application code changes.',
    url: 'https://docs.aws.amazon.com/emr/latest/EMR-on-EKS-DevelopmentGuide/security-best-practices.html',
  },
  source: 'EMR on EKS security best practices, "Apply principle of least privilege" (seeds 001; 000 in Chinese); the IAM.3 test',
  resourceKinds: ['emr-virtual-cluster', 'emr-managed-endpoint', 'emr-job-template'],
  triggers: [{ service: 'emr-containers', eventNames: ['StartJobRun', 'CreateManagedEndpoint', 'CreateJobTemplate'] }],
  reads: [
    WORKLOAD_READER['emr-virtual-cluster'],
    WORKLOAD_READER['emr-managed-endpoint'],
    WORKLOAD_READER['emr-job-template'],
    EXECUTION_ROLE_READER['emr-virtual-cluster'],
    EXECUTION_ROLE_READER['emr-managed-endpoint'],
    EXECUTION_ROLE_READER['emr-job-template'],
  ],
  evaluate(subject): Evaluation {
    const name = describeWorkload(subject);
    const workload = subject.state.workload;
    if (!workload) return { status: 'NOT_APPLICABLE', summary: `${name} has no workload to judge.` };
    const roleArn = workload.executionRoleArn;
    if (roleArn === undefined) {
      return {
        status: 'NEEDS',
        readers: [WORKLOAD_READER[subject.kind]],
        why: workload.jobTemplateId ? `the execution role the run takes from job template ${workload.jobTemplateId}` : 'the execution role',
      };
    }
    if (roleArn === null) return { status: 'NOT_APPLICABLE', summary: `${name} names no execution role.` };
    if (hasTemplateParameter(roleArn)) {
      return {
        status: 'NOT_APPLICABLE',
        summary: `${name} takes its execution role from the job template parameter ${roleArn}: each run that sets it is judged instead.`,
      };
    }
    const role = workload.executionRole;
    if (role === undefined) {
      return { status: 'NEEDS', readers: [EXECUTION_ROLE_READER[subject.kind]], why: `the permissions of execution role ${roleArn}` };
    }
    if (role === null) return { status: 'NOT_APPLICABLE', summary: `${name} names execution role ${roleArn}, which no longer exists.` };
    const reasons = roleAdminGrants(rolePermissions(role));
    if (reasons.length > 0) {
      return {
        status: 'FAILED',
        summary: `${name} runs with execution role ${roleArn}, which has admin-equivalent permissions: ${reasons.join('; ')}.`,
        evidence: { executionRoleArn: roleArn, adminGrants: reasons.join('; ') },
      };
    }
    return {
      status: 'PASSED',
      summary: `${name} runs with execution role ${roleArn}, which has no admin-equivalent permission.`,
      evidence: { executionRoleArn: roleArn, attachedPolicies: (role.attachedPolicyArns ?? []).join(', ') || 'none' },
    };
  },
});
