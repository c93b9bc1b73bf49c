import { DescribeVirtualClusterCommand, type ListJobRunsResponse, ListJobRunsCommand } from '@aws-sdk/client-emr-containers';
import { beforeEach, describe, expect, it } from 'vitest';
import { liveFixture, mockEmrContainers } from '../fixtures/emr/live.ts';
import { evaluateEvent, loadEvent, verdictOf, verdicts } from '../support/pipeline.ts';

const emr = mockEmrContainers();

const config = { disabledRules: ['EMR.1', 'EMR.3', 'EMR.4'] };
const ANALYTICS = 'kfa4z7m1q2w3e4r5t6y7u8i9o';
const MULTITENANT = 'w6e8r0t2y4u6i8o0p2a4s6d8f';
const arnOf = (virtualClusterId: string) => `arn:aws:emr-containers:eu-west-1:111122223333:/virtualclusters/${virtualClusterId}`;

/** ListJobRuns answered per virtual cluster, page by page, following the tokens the pages hand out. */
function mockJobRuns(byVirtualCluster: Readonly<Record<string, string>>): void {
  emr.on(ListJobRunsCommand).callsFake((input) => {
    const fixture = byVirtualCluster[input.virtualClusterId ?? ''];
    const pages = fixture ? liveFixture<ListJobRunsResponse[]>(fixture) : [{ jobRuns: [] }];
    const index = input.nextToken ? pages.findIndex((page) => page.nextToken === input.nextToken) + 1 : 0;
    return pages[index];
  });
}

describe('EMR.2 virtual cluster not shared by several execution roles', () => {
  beforeEach(() => {
    emr.reset();
    mockJobRuns({ [ANALYTICS]: 'list-job-runs.single-role.json', [MULTITENANT]: 'list-job-runs.shared-roles.json' });
    emr.on(DescribeVirtualClusterCommand, { id: MULTITENANT }).resolves(liveFixture('describe-virtual-cluster.multitenant.json'));
  });

  it.each([
    ['emr-2/StartJobRun.pass.single-role.json', ANALYTICS, 'PASSED', 'runs jobs under one execution role, arn:aws:iam::111122223333:role/emr-etl-execution'],
    [
      'emr-2/StartJobRun.fail.shared-roles.json',
      MULTITENANT,
      'FAILED',
      'EMR on EKS virtual cluster w6e8r0t2y4u6i8o0p2a4s6d8f is shared by 2 execution roles: arn:aws:iam::111122223333:role/emr-tenant-a-execution, arn:aws:iam::111122223333:role/emr-tenant-b-execution',
    ],
  ])('%s → %s', async (fixture, virtualClusterId, status, phrase) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(fixture), { live: true, config });

    // Assess
    const verdict = verdictOf(outcome, 'EMR.2');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('MEDIUM');
    expect(verdict?.resourceId).toBe(arnOf(virtualClusterId));
    expect(verdict?.description).toContain(phrase);
  });

  it('lists the roles as evidence and reads every page of job runs', async () => {
    // Act
    const shared = await evaluateEvent(loadEvent('emr-2/StartJobRun.fail.shared-roles.json'), { live: true, config });
    await evaluateEvent(loadEvent('emr-2/StartJobRun.pass.single-role.json'), { live: true, config });

    // Assess
    const finding = shared.updates[0]?.finding;
    expect(finding?.ProductFields?.['vigil/evidence/executionRoleArns']).toBe(
      'arn:aws:iam::111122223333:role/emr-tenant-a-execution, arn:aws:iam::111122223333:role/emr-tenant-b-execution',
    );
    const inputs = emr.commandCalls(ListJobRunsCommand).map((call) => call.args[0].input);
    expect(inputs.map(({ virtualClusterId, nextToken, maxResults }) => ({ virtualClusterId, nextToken, maxResults }))).toEqual([
      { virtualClusterId: MULTITENANT, nextToken: undefined, maxResults: 50 },
      { virtualClusterId: ANALYTICS, nextToken: undefined, maxResults: 50 },
      { virtualClusterId: ANALYTICS, nextToken: 'eyJwYWdlIjoyfQ==', maxResults: 50 },
    ]);
    // Any state: a failed or cancelled run also ran its tenant's code.
    expect(inputs.every((input) => input.states === undefined && input.createdAfter instanceof Date)).toBe(true);
  });

  it('suppresses the finding of a virtual cluster exempt from EMR.2', async () => {
    // Prepare
    const described = liveFixture<{ virtualCluster: { tags: Record<string, string> } }>('describe-virtual-cluster.multitenant.json');
    described.virtualCluster.tags['compliance:exempt'] = 'EMR.2';
    emr.on(DescribeVirtualClusterCommand, { id: MULTITENANT }).resolves(described as never);

    // Act
    const outcome = await evaluateEvent(loadEvent('emr-2/StartJobRun.fail.shared-roles.json'), { live: true, config });

    // Assess
    expect(verdictOf(outcome, 'EMR.2')).toMatchObject({ status: 'FAILED', workflow: 'SUPPRESSED' });
    expect(outcome.violations).toEqual([]);
  });

  it('is not evaluated offline', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('emr-2/StartJobRun.fail.shared-roles.json'), { config });

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.notEvaluated).toEqual([expect.objectContaining({ ruleId: 'EMR.2', reason: 'offline', readers: ['emr-containers:ListJobRuns'] })]);
  });

  it('archives the virtual cluster on DeleteVirtualCluster', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('emr-2/DeleteVirtualCluster.archive.json'));

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.archives.map((archive) => [archive.ref.kind, archive.ref.id, archive.eventTime])).toEqual([
      ['emr-virtual-cluster', arnOf(MULTITENANT), '2025-06-03T11:02:48.000Z'],
    ]);
  });
});
