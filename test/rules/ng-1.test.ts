import { EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { evaluateEvent, loadEvent, verdictOf, verdicts } from '../support/pipeline.ts';

const eks = mockClient(EKSClient);
const EKS = { service: 'eks' } as const;
const nodegroupArn = (cluster: string, nodegroup: string) => `arn:aws:eks:eu-west-1:111122223333:nodegroup/${cluster}/${nodegroup}`;

beforeEach(() => {
  eks.reset();
});

describe('NG.1', () => {
  it.each([
    [
      'CreateNodegroup.fail.no-launch-template.json',
      'FAILED',
      nodegroupArn('analytics-prod', 'general'),
      /^EKS node group analytics-prod\/general uses no custom launch template, so its pods' access to IMDS cannot be restricted\./,
    ],
    ['CreateNodegroup.pass.launch-template.json', 'PASSED', nodegroupArn('payments-prod', 'workers'), /^EKS node group payments-prod\/workers uses custom launch template lt-0a9b8c7d6e5f40312 version 3\./],
    ['UpdateNodegroupVersion.pass.launch-template-version.json', 'PASSED', nodegroupArn('payments-prod', 'workers'), /uses custom launch template lt-0a9b8c7d6e5f40312 version 4\./],
  ])('%s → %s', async (fixture, status, resourceId, summary) => {
    // Act
    const outcome = await evaluateEvent(loadEvent(`ng-1/${fixture}`), { ...EKS, live: true });

    // Assess
    const verdict = verdictOf(outcome, 'NG.1');
    expect(verdict?.status).toBe(status);
    expect(verdict?.severity).toBe('MEDIUM');
    expect(verdict?.resourceId).toBe(resourceId);
    expect(verdict?.description).toMatch(summary);
    // CreateNodegroup carries the tags, so not even a FAILED verdict reads.
    expect(eks.calls()).toHaveLength(0);
  });

  it('takes a template named (not by id) in the request', async () => {
    // Prepare
    const event = loadEvent('ng-1/CreateNodegroup.pass.launch-template.json');
    const detail = event.detail as { requestParameters: Record<string, unknown>; responseElements: unknown };
    detail.requestParameters.launchTemplate = { name: 'payments-nodes', version: '$Default' };
    detail.responseElements = null;

    // Act
    const outcome = await evaluateEvent(event, EKS);

    // Assess
    expect(verdictOf(outcome, 'NG.1')?.description).toMatch(/uses custom launch template payments-nodes version \$Default\./);
  });

  it('gives no finding and reads nothing for a version update that keeps the template', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('ng-1/UpdateNodegroupVersion.skip.release-version-only.json'), { ...EKS, live: true });

    // Assess
    expect(verdicts(outcome)).toEqual([]);
    expect(outcome.notEvaluated.filter((entry) => entry.readers.length > 0)).toEqual([]);
    expect(eks.calls()).toHaveLength(0);
  });

  it('archives the node group\'s findings on DeleteNodegroup', async () => {
    // Act
    const outcome = await evaluateEvent(loadEvent('ng-1/DeleteNodegroup.archive.json'), EKS);

    // Assess
    expect(outcome.archives.map((archive) => archive.ref.id)).toEqual([nodegroupArn('analytics-prod', 'general')]);
  });
});
