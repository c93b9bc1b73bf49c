import { DescribeRouteTablesCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { DescribeManagedEndpointCommand, DescribeVirtualClusterCommand } from '@aws-sdk/client-emr-containers';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockEmrContainers, mockEndpointNetworks } from '../fixtures/emr/live.ts';
import { evaluateEvent, loadEvent, statuses, verdictOf, verdicts } from '../support/pipeline.ts';

const emr = mockEmrContainers();
const eks = mockClient(EKSClient);
const ec2 = mockClient(EC2Client);

const config = { disabledRules: ['EMR.1', 'EMR.2', 'EMR.3'] };
const STUDIO_ENDPOINT = 'arn:aws:emr-containers:eu-west-1:111122223333:/virtualclusters/9bq3x6n0c5v8m2l4k7j1h0g3f/endpoints/2pl4ok6ij8uh0yg2tf4rd6es8';
const SANDBOX_ENDPOINT = 'arn:aws:emr-containers:eu-west-1:111122223333:/virtualclusters/t8p3w0r6k1s5d9f2g7h4j0l3z/endpoints/5wa7sd9fg1hj3kl5zx7cv9bn1';

describe('EMR.4 managed endpoint on a cluster with a private subnet', () => {
  beforeEach(() => {
    emr.reset();
    eks.reset();
    ec2.reset();
    mockEndpointNetworks(emr, eks, ec2);
  });

  it.each([
    // Two subnets use the main table (IGW default route); the third has its own table with a NAT gateway.
    ['emr-4/CreateManagedEndpoint.pass.private-subnet.json', 'PASSED', STUDIO_ENDPOINT, 'studio-private (virtual cluster 9bq3x6n0c5v8m2l4k7j1h0g3f) runs on EKS cluster analytics-prod, which has a private subnet.'],
    // One subnet through the main table's 0.0.0.0/0, the other through an explicit table's ::/0, both to the IGW.
    ['emr-4/CreateManagedEndpoint.fail.public-subnets.json', 'FAILED', SANDBOX_ENDPOINT, 'sandbox-notebooks (virtual cluster t8p3w0r6k1s5d9f2g7h4j0l3z) runs on EKS cluster sandbox-dev, whose subnets all route'],
  ])('%s → %s', async (fixture, status, resourceId, phrase) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), { live: true, config });

    // Assess
    const verdict = verdictOf(outcome, 'EMR.4');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('HIGH');
    expect(verdict?.resourceId).toBe(resourceId);
    expect(verdict?.description).toContain(phrase);
    expect(outcome.notEvaluated).toEqual([]);
  });

  it('follows virtual cluster → EKS cluster → subnets → route tables of that VPC', async () => {
    // Act
    await evaluateEvent(loadEvent('emr-4/CreateManagedEndpoint.fail.public-subnets.json'), { live: true, config });

    // Assess
    expect(emr.commandCalls(DescribeVirtualClusterCommand).map((call) => call.args[0].input)).toEqual([{ id: 't8p3w0r6k1s5d9f2g7h4j0l3z' }]);
    expect(eks.commandCalls(DescribeClusterCommand).map((call) => call.args[0].input)).toEqual([{ name: 'sandbox-dev' }]);
    expect(ec2.commandCalls(DescribeSubnetsCommand).map((call) => call.args[0].input)).toEqual([
      { Filters: [{ Name: 'subnet-id', Values: ['subnet-0d44dd44dd44dd444', 'subnet-0e55ee55ee55ee555'] }] },
    ]);
    expect(ec2.commandCalls(DescribeRouteTablesCommand).map((call) => call.args[0].input)).toEqual([{ Filters: [{ Name: 'vpc-id', Values: ['vpc-0f9e8d7c6b5a49382'] }] }]);
    // A new endpoint has exactly the tags its create call gave (none here): no tags read for the exemption.
    expect(emr.commandCalls(DescribeManagedEndpointCommand)).toHaveLength(0);
  });

  it('is not evaluated offline', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('emr-4/CreateManagedEndpoint.pass.private-subnet.json'), { config });

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.notEvaluated).toEqual([
      expect.objectContaining({ ruleId: 'EMR.4', resourceId: STUDIO_ENDPOINT, reason: 'offline', readers: ['emr-containers:endpoint-private-subnets'] }),
    ]);
  });

  it('is not evaluated when Vigil may not read the route tables', async () => {
    // Prepare
    ec2.on(DescribeRouteTablesCommand).rejects(Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation' }));

    // Act
    const outcome = await evaluateEvent(loadEvent('emr-4/CreateManagedEndpoint.pass.private-subnet.json'), { live: true, config });

    // Assess
    expect(statuses(outcome)).toEqual(['NOT_AVAILABLE']);
    expect(outcome.notEvaluated).toEqual([expect.objectContaining({ ruleId: 'EMR.4', reason: 'access-denied', readers: ['emr-containers:endpoint-private-subnets'] })]);
  });

  it('archives the endpoint when its EKS cluster is gone', async () => {
    // Prepare
    eks.on(DescribeClusterCommand).rejects(Object.assign(new Error('No cluster found for name: analytics-prod.'), { name: 'ResourceNotFoundException' }));

    // Act
    const outcome = await evaluateEvent(loadEvent('emr-4/CreateManagedEndpoint.pass.private-subnet.json'), { live: true, config });

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.archives.map((archive) => archive.ref.id)).toEqual([STUDIO_ENDPOINT]);
  });

  it('archives the endpoint on DeleteManagedEndpoint', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('emr-4/DeleteManagedEndpoint.archive.json'));

    // Assess
    expect(outcome.archives.map((archive) => [archive.ref.kind, archive.ref.id, archive.eventName])).toEqual([
      ['emr-managed-endpoint', SANDBOX_ENDPOINT, 'DeleteManagedEndpoint'],
    ]);
  });
});
