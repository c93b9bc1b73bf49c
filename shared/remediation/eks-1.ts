/**
 * EKS.1 remediation: private endpoint access on, and the public endpoint restricted to the
 * configured allow-list (`allowedPublicAccessCidrs`). Clients outside the list, CI runners
 * included, lose access to the API server: see docs/remediation.md.
 *
 * The new list never lets in an address the old one kept out: current CIDRs inside the allow-list
 * stay, the others give way to the allow-listed CIDRs inside them (the whole allow-list when the
 * endpoint was open to 0.0.0.0/0). Only when nothing is left does it become the whole allow-list,
 * which is the operator's own statement of who may reach the endpoint.
 */
import { isAllowListed, restrictCidrs } from './cidr.ts';
import { CLUSTER_ARN, CLUSTER_READS, clusterBusy, clusterNotChangeable } from './cluster.ts';
import { sendAll } from './calls.ts';
import type { Remediation } from './types.ts';

export const eks1Remediation: Remediation<'eks-cluster'> = {
  ruleId: 'EKS.1',
  kind: 'eks-cluster',
  description:
    'Turns private endpoint access on and restricts publicAccessCidrs to the configured allowedPublicAccessCidrs (UpdateClusterConfig resourcesVpcConfig); ' +
    'CIDRs already inside the allow-list are kept. Clients outside the allow-list, CI runners included, lose access to the public endpoint.',
  permissions: [{ actions: ['eks:UpdateClusterConfig'], resources: [CLUSTER_ARN] }],
  reads: CLUSTER_READS,
  busy: clusterBusy,
  plan(subject, config, context) {
    const blocked = clusterNotChangeable(subject);
    if (blocked) return blocked;
    const { ref, state } = subject;
    const allowList = config.allowedPublicAccessCidrs;
    if (allowList.length === 0) return { status: 'NOT_REMEDIABLE', reason: 'allowedPublicAccessCidrs is empty, so there is no list to restrict the endpoint to' };
    if (state.endpointPublicAccess === undefined || state.endpointPrivateAccess === undefined || state.publicAccessCidrs === undefined) {
      return { status: 'NOT_REMEDIABLE', reason: `the endpoint settings of EKS cluster ${ref.name} could not be read` };
    }
    const current = state.publicAccessCidrs;
    const listed = current.every((cidr) => isAllowListed(cidr, allowList));
    const restricted = restrictCidrs(current, allowList);
    const cidrs = !state.endpointPublicAccess || listed ? undefined : restricted.length > 0 ? restricted : [...allowList];
    if (cidrs === undefined && state.endpointPrivateAccess) {
      return { status: 'NOT_REMEDIABLE', reason: `EKS cluster ${ref.name} already has private access on and public access only from allow-listed CIDRs` };
    }
    return {
      status: 'PLANNED',
      calls: [
        {
          service: 'eks',
          command: 'UpdateClusterConfig',
          input: {
            name: state.clusterName,
            resourcesVpcConfig: { endpointPrivateAccess: true, ...(cidrs ? { publicAccessCidrs: cidrs } : {}) },
            clientRequestToken: context.token,
          },
        },
      ],
      summary: cidrs
        ? `EKS cluster ${ref.name}: private endpoint access on, public access restricted from ${current.join(', ')} to ${cidrs.join(', ')}.`
        : `EKS cluster ${ref.name}: private endpoint access on; public access CIDRs unchanged (${current.join(', ')}).`,
      before: { endpointPrivateAccess: state.endpointPrivateAccess, endpointPublicAccess: state.endpointPublicAccess, publicAccessCidrs: current },
      after: { endpointPrivateAccess: true, endpointPublicAccess: state.endpointPublicAccess, publicAccessCidrs: cidrs ?? current },
    };
  },
  async apply(plan, subject, aws) {
    await sendAll(plan.calls, aws, subject.ref);
    return { calls: plan.calls, after: plan.after };
  },
};
