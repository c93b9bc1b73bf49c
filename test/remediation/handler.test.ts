import { Logger } from '@aws-lambda-powertools/logger';
import { UpdateClusterConfigCommand } from '@aws-sdk/client-eks';
import type { Context } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '#shared/config.ts';
import { createRemediationHandler } from '#shared/remediation/handler.ts';
import { ALL_READERS } from '#shared/sources/readers.ts';
import { loadEvent } from '../support/pipeline.ts';
import { REMEDIATOR_ROLE_ARN, remediationConfig } from './support.ts';
import { eks, securityHub, serveViolatingWorld } from './world.ts';

const context = {
  functionName: 'vigil-remediate',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:vigil-remediate',
  getRemainingTimeInMillis: () => 900_000,
} as Context;

function env(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { AWS_REGION: 'eu-west-1', VIGIL_CONFIG: JSON.stringify(remediationConfig()), VIGIL_REMEDIATOR_ROLE_ARN: REMEDIATOR_ROLE_ARN, ...overrides };
}

let logger: Logger;

beforeEach(() => {
  serveViolatingWorld();
  logger = new Logger({ serviceName: 'vigil-remediator', logLevel: 'SILENT' });
  vi.spyOn(logger, 'error');
});

describe('remediating Lambda handler', () => {
  it.each([
    ['no role ARN', { VIGIL_REMEDIATOR_ROLE_ARN: undefined }],
    ['a session ARN instead of the role ARN', { VIGIL_REMEDIATOR_ROLE_ARN: 'arn:aws:sts::111122223333:assumed-role/vigil-remediator/vigil-prod-remediate' }],
    ['EKS.3 opted in without a key', { VIGIL_CONFIG: JSON.stringify({ remediation: { enabledRules: ['EKS.3'] } }) }],
  ])('fails at cold start with %s', (_label, overrides) => {
    expect(() => createRemediationHandler({ env: env(overrides), logger })).toThrow(ConfigError);
  });

  it('fails at cold start when an opted-in rule needs a reader it does not have', () => {
    // Prepare
    const readers = ALL_READERS.filter((reader) => reader.id !== 'eks:DescribeCluster');

    // Act / Assess
    expect(() => createRemediationHandler({ env: env(), logger, readers })).toThrow('reader eks:DescribeCluster is not registered');
  });

  it('drops a malformed request with an error line and no AWS call', async () => {
    // Prepare
    const event = loadEvent('remediation/VigilRemediationRequest.eks-4.json');
    (event.detail as Record<string, unknown>).ruleId = 'EKS.5';

    // Act
    const result = await createRemediationHandler({ env: env(), logger })(event, context);

    // Assess
    expect(result).toMatchObject({ status: 'REJECTED', reason: expect.stringContaining('detail.ruleId') });
    expect(eks.calls()).toHaveLength(0);
    expect(securityHub.calls()).toHaveLength(0);
    expect(logger.error).toHaveBeenCalledWith('malformed remediation request dropped', expect.anything());
  });

  it('remediates a request delivered by EventBridge', async () => {
    // Act
    const result = await createRemediationHandler({ env: env(), logger })(loadEvent('remediation/VigilRemediationRequest.eks-4.json'), context);

    // Assess
    expect(result).toMatchObject({ status: 'REMEDIATED', ruleId: 'EKS.4' });
    expect(eks.commandCalls(UpdateClusterConfigCommand).map((call) => call.args[0].input.accessConfig)).toEqual([{ authenticationMode: 'API_AND_CONFIG_MAP' }]);
  });

  it('is a dry run unless configured otherwise', async () => {
    // Prepare
    const dryRunByDefault = env({ VIGIL_CONFIG: JSON.stringify({ remediation: { enabledRules: ['EKS.4'] } }) });

    // Act
    const result = await createRemediationHandler({ env: dryRunByDefault, logger })(loadEvent('remediation/VigilRemediationRequest.eks-4.json'), context);

    // Assess
    expect(result).toMatchObject({ status: 'DRY_RUN', dryRun: true });
    expect(eks.commandCalls(UpdateClusterConfigCommand)).toHaveLength(0);
  });
});
