import type { ClusterState } from '../../state/types.ts';
import { defineRule } from '../types.ts';
import { listOf, unaffected } from './common.ts';

interface Ipv4Cidr {
  base: number;
  bits: number;
}

function parseIpv4Cidr(cidr: string): Ipv4Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((octet) => octet > 255) || bits > 32) return undefined;
  const base = octets.reduce((address, octet) => address * 256 + octet, 0);
  return { base, bits };
}

function network(address: number, bits: number): number {
  return bits === 0 ? 0 : Math.floor(address / 2 ** (32 - bits));
}

/** Whether `inner` lies inside `outer`. */
function contains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return inner.bits >= outer.bits && network(inner.base, outer.bits) === network(outer.base, outer.bits);
}

/** A `/0` admits every address, whatever the base address says. */
function isOpen(cidr: string): boolean {
  return cidr.trim().endsWith('/0');
}

function outsideAllowList(cidrs: readonly string[], allowList: readonly string[]): string[] {
  const allowed = allowList.map(parseIpv4Cidr).filter((cidr): cidr is Ipv4Cidr => cidr !== undefined);
  return cidrs.filter((cidr) => {
    const parsed = parseIpv4Cidr(cidr);
    return !parsed || !allowed.some((outer) => contains(outer, parsed));
  });
}

function evidence(state: ClusterState): Record<string, string> {
  return {
    endpointPublicAccess: String(state.endpointPublicAccess ?? 'unknown'),
    endpointPrivateAccess: String(state.endpointPrivateAccess ?? 'unknown'),
    ...(state.publicAccessCidrs ? { publicAccessCidrs: state.publicAccessCidrs.join(',') } : {}),
  };
}

export const eks1PublicEndpoint = defineRule({
  id: 'EKS.1',
  title: 'EKS cluster API server endpoint is not open to the internet',
  severity: 'HIGH',
  description:
    'A public Kubernetes API endpoint reachable from any address invites credential stuffing and exploits of API server flaws; with private access off, nodes and in-VPC clients also leave the VPC to reach it. Public access should be off, or limited to known CIDRs, and private access on.',
  recommendation: {
    text: 'Turn private endpoint access on and either turn public access off or restrict publicAccessCidrs to your allowed networks (aws eks update-cluster-config --resources-vpc-config endpointPrivateAccess=true,publicAccessCidrs=...).',
    url: 'https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html',
  },
  source: 'Securing Kubernetes workloads in Amazon EKS (re:Invent CON335): reach the EKS API privately through the VPC (PrivateLink) rather than over the internet',
  resourceKinds: ['eks-cluster'],
  triggers: [{ service: 'eks', eventNames: ['CreateCluster', 'UpdateClusterConfig'] }],
  reads: ['eks:DescribeCluster'],
  evaluate({ ref, state }, { config }) {
    const { endpointPublicAccess: publicAccess, endpointPrivateAccess: privateAccess, publicAccessCidrs: cidrs } = state;
    if (publicAccess === undefined && privateAccess === undefined && cidrs === undefined) {
      return unaffected('the change leaves the API server endpoint as it was');
    }

    const problems: string[] = [];
    if (publicAccess === true && cidrs) {
      const open = cidrs.filter(isOpen);
      if (open.length > 0) problems.push(`allows public access to its API server endpoint from ${listOf(open)}`);
      const outside = config.allowedPublicAccessCidrs.length > 0 ? outsideAllowList(cidrs, config.allowedPublicAccessCidrs).filter((cidr) => !isOpen(cidr)) : [];
      if (outside.length > 0) problems.push(`allows public access from ${listOf(outside)}, outside the allowed CIDRs`);
    }
    if (privateAccess === false) problems.push('has private endpoint access turned off');
    // Either problem stands whatever the fields the event left unknown say.
    if (problems.length > 0) {
      return { status: 'FAILED', summary: `EKS cluster ${ref.name} ${listOf(problems)}.`, evidence: evidence(state) };
    }

    if (publicAccess === false && privateAccess === true) {
      return { status: 'PASSED', summary: `EKS cluster ${ref.name} serves its API server endpoint privately only.`, evidence: evidence(state) };
    }
    if (publicAccess === undefined || privateAccess === undefined || (publicAccess && cidrs === undefined)) {
      return { status: 'NEEDS', readers: ['eks:DescribeCluster'], why: 'the update changed only part of the endpoint configuration' };
    }
    return {
      status: 'PASSED',
      summary: `EKS cluster ${ref.name} allows public access to its API server endpoint only from ${listOf(cidrs ?? [])}, and private access is on.`,
      evidence: evidence(state),
    };
  },
});
