/**
 * EMR.4: whether the EKS cluster behind a virtual cluster has a private subnet. A subnet is
 * private when the route table it uses (its explicit association, else its VPC's main table)
 * sends neither 0.0.0.0/0 nor ::/0 to an internet gateway (`igw-`). An egress-only internet
 * gateway (`eigw-`) or a NAT gateway keeps the subnet private: nothing can reach in through it.
 */
import { DescribeRouteTablesCommand, DescribeSubnetsCommand, EC2Client, type RouteTable, type Subnet } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import type { AwsClients } from '../../state/types.ts';

/** Route tables are listed per VPC; a VPC with more pages than this is not a realistic EKS VPC. */
const MAX_ROUTE_TABLE_PAGES = 20;

function isActiveAssociation(association: NonNullable<RouteTable['Associations']>[number]): boolean {
  const state = association.AssociationState?.State;
  return state === undefined || state === 'associated';
}

/** The route table a subnet uses: its explicit association, else its VPC's main table. */
export function routeTableOf(subnetId: string, vpcId: string | undefined, routeTables: readonly RouteTable[]): RouteTable | undefined {
  const explicit = routeTables.find((table) => (table.Associations ?? []).some((association) => association.SubnetId === subnetId && isActiveAssociation(association)));
  if (explicit) return explicit;
  return routeTables.find(
    (table) => (vpcId === undefined || table.VpcId === vpcId) && (table.Associations ?? []).some((association) => association.Main === true && isActiveAssociation(association)),
  );
}

/** Whether a route table sends a default route to an internet gateway. */
export function routesToInternetGateway(table: RouteTable): boolean {
  return (table.Routes ?? []).some(
    (route) =>
      (route.DestinationCidrBlock === '0.0.0.0/0' || route.DestinationIpv6CidrBlock === '::/0') &&
      (route.GatewayId ?? '').startsWith('igw-') &&
      route.State !== 'blackhole',
  );
}

/** The subnets among `subnets` that are private. A subnet whose route table cannot be found is not counted. */
export function privateSubnetIds(subnets: readonly Subnet[], routeTables: readonly RouteTable[]): string[] {
  const ids: string[] = [];
  for (const subnet of subnets) {
    if (!subnet.SubnetId) continue;
    const table = routeTableOf(subnet.SubnetId, subnet.VpcId, routeTables);
    if (table && !routesToInternetGateway(table)) ids.push(subnet.SubnetId);
  }
  return ids;
}

export interface ClusterSubnets {
  clusterName: string;
  subnetIds: string[];
  privateSubnetIds: string[];
}

/**
 * Reads an EKS cluster's subnets and their route tables. Throws the SDK's errors: a cluster that
 * no longer exists is a `ResourceNotFoundException`.
 */
export async function readClusterSubnets(aws: AwsClients, region: string, clusterName: string): Promise<ClusterSubnets> {
  const eks = aws.client(EKSClient, region);
  const { cluster } = await eks.send(new DescribeClusterCommand({ name: clusterName }));
  const subnetIds = cluster?.resourcesVpcConfig?.subnetIds ?? [];
  if (subnetIds.length === 0) return { clusterName, subnetIds: [], privateSubnetIds: [] };

  const ec2 = aws.client(EC2Client, region);
  // A filter instead of `SubnetIds`: a subnet deleted since the cluster was created is simply
  // absent, rather than failing the whole read with InvalidSubnetID.NotFound.
  const subnets: Subnet[] = [];
  let subnetToken: string | undefined;
  do {
    const page = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: [...subnetIds] }], ...(subnetToken ? { NextToken: subnetToken } : {}) }));
    subnets.push(...(page.Subnets ?? []));
    subnetToken = page.NextToken;
  } while (subnetToken);

  const vpcIds = [...new Set([...subnets.map((subnet) => subnet.VpcId), cluster?.resourcesVpcConfig?.vpcId].filter((id): id is string => Boolean(id)))];
  const routeTables: RouteTable[] = [];
  if (vpcIds.length > 0) {
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: vpcIds }], ...(token ? { NextToken: token } : {}) }));
      routeTables.push(...(page.RouteTables ?? []));
      token = page.NextToken;
      pages += 1;
    } while (token && pages < MAX_ROUTE_TABLE_PAGES);
  }
  return { clusterName, subnetIds: [...subnetIds], privateSubnetIds: privateSubnetIds(subnets, routeTables) };
}
