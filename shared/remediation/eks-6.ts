/**
 * EKS.6 remediation: disassociates a cluster-wide admin access policy
 * (AmazonEKSClusterAdminPolicy / AmazonEKSAdminPolicy) from a principal outside the admin
 * allow-list. The principal keeps its access entry and any other policy.
 *
 * DisassociateAccessPolicy names no scope: it removes the policy whatever its scope is now. So the
 * association is read live first (ListAssociatedAccessPolicies): one that was re-associated at
 * namespace scope since the event is judged again, and passes, rather than being removed.
 * An access policy association carries no tags; its access entry does, and they decide exemption.
 */
import {
  type AccessScope,
  DescribeAccessEntryCommand,
  EKSClient,
  ListAssociatedAccessPoliciesCommand,
} from '@aws-sdk/client-eks';
import { isNotFound } from '../aws/clients.ts';
import { sendAll } from './calls.ts';
import type { Remediation } from './types.ts';

/** The admin policies EKS.6 judges; the grant is narrowed to them. */
const ADMIN_POLICIES = ['AmazonEKSClusterAdminPolicy', 'AmazonEKSAdminPolicy'].map((name) => `arn:\${partition}:eks::aws:cluster-access-policy/${name}`);
const ACCESS_ENTRY_ARN = 'arn:${partition}:eks:${region}:${account}:access-entry/*';

function scopeOf(scope: AccessScope | undefined): { type: string; namespaces: readonly string[] } {
  const namespaces = scope?.namespaces ?? [];
  return { type: scope?.type ?? (namespaces.length > 0 ? 'namespace' : 'cluster'), namespaces };
}

export const eks6Remediation: Remediation<'eks-access-policy'> = {
  ruleId: 'EKS.6',
  kind: 'eks-access-policy',
  description:
    'Disassociates the cluster-scoped admin access policy (AmazonEKSClusterAdminPolicy or AmazonEKSAdminPolicy) from the principal outside adminPrincipalArns ' +
    '(DisassociateAccessPolicy); its access entry and other policies stay. An association already gone counts as done.',
  permissions: [
    { actions: ['eks:DisassociateAccessPolicy'], resources: [ACCESS_ENTRY_ARN], condition: { ArnEquals: { 'eks:policyArn': ADMIN_POLICIES } } },
    { actions: ['eks:DescribeAccessEntry', 'eks:ListAssociatedAccessPolicies'], resources: [ACCESS_ENTRY_ARN] },
  ],
  async inspect(subject, aws) {
    const { clusterName, principalArn, policyArn } = subject.state;
    const eks = aws.client(EKSClient, subject.ref.region);
    let scope: { type: string; namespaces: readonly string[] } | undefined;
    let tags: Record<string, string>;
    try {
      const { accessEntry } = await eks.send(new DescribeAccessEntryCommand({ clusterName, principalArn }));
      tags = { ...accessEntry?.tags };
      let nextToken: string | undefined;
      do {
        const page = await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName, principalArn, ...(nextToken ? { nextToken } : {}) }));
        const match = page.associatedAccessPolicies?.find((association) => association.policyArn === policyArn);
        if (match) scope = scopeOf(match.accessScope);
        nextToken = scope ? undefined : page.nextToken;
      } while (nextToken);
    } catch (error) {
      // The access entry (or the cluster) is gone, and with it the association.
      if (isNotFound(error)) return { found: false };
      throw error;
    }
    if (!scope) return { found: false };
    return { found: true, state: { accessScope: scope }, facts: undefined, tags };
  },
  plan(subject) {
    const { ref, state } = subject;
    if (state.accessScope.type !== 'cluster') {
      return { status: 'NOT_REMEDIABLE', reason: `${ref.name} is scoped to namespaces now; DisassociateAccessPolicy would remove that grant too` };
    }
    return {
      status: 'PLANNED',
      calls: [
        {
          service: 'eks',
          command: 'DisassociateAccessPolicy',
          input: { clusterName: state.clusterName, principalArn: state.principalArn, policyArn: state.policyArn },
        },
      ],
      summary: `EKS cluster ${state.clusterName}: access policy ${state.policyArn} disassociated from ${state.principalArn}; its access entry stays.`,
      before: { policyArn: state.policyArn, principalArn: state.principalArn, accessScope: state.accessScope },
      after: { policyArn: null, principalArn: state.principalArn },
    };
  },
  async apply(plan, subject, aws) {
    try {
      await sendAll(plan.calls, aws, subject.ref);
    } catch (error) {
      // Removed meanwhile (a duplicate delivery, or a person): the end state is the one wanted.
      if (!isNotFound(error)) throw error;
      return { calls: plan.calls, after: plan.after, summary: `${plan.summary} It had already been removed.` };
    }
    return { calls: plan.calls, after: plan.after };
  },
};
