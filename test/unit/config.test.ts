import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnvironment, parseConfig } from '#shared/config.ts';

describe('configuration schema', () => {
  it('fills every default from an empty object', () => {
    // Act
    const config = parseConfig({});

    // Assess
    expect(config.requiredLogTypes).toEqual(['api', 'audit', 'authenticator']);
    expect(config.exemptionTagKey).toBe('compliance:exempt');
    expect(config.remediation).toEqual({ dryRun: true, enabledRules: [] });
  });

  it.each([
    [{ minKubernetesVersion: '1' }, 'minKubernetesVersion'],
    [{ requiredLogTypes: ['api', 'kubelet'] }, 'requiredLogTypes.1'],
    [{ allowedPublicAccessCidrs: ['0.0.0.0/0'] }, 'allowedPublicAccessCidrs'],
    [{ allowedPublicAccessCidrs: ['203.0.113.0/24', '10.0.0.0/0'] }, 'allowedPublicAccessCidrs'],
    [{ remediation: { enabledRules: ['EKS.5'] } }, 'remediation.enabledRules.0'],
    [{ remediation: { enabledRules: ['EKS.3'] } }, 'remediation.kmsKeyArn'],
    [{ adminPrincipalArns: ['alice'] }, 'adminPrincipalArns.0'],
    [{ unknownField: true }, '(root)'],
  ])('rejects %j naming %s', (input, field) => {
    expect(() => parseConfig(input)).toThrowError(ConfigError);
    expect(() => parseConfig(input)).toThrowError(field);
  });

  it('reads VIGIL_CONFIG and says when it is not JSON', () => {
    expect(configFromEnvironment({ VIGIL_CONFIG: '{"minKubernetesVersion":"1.32"}' }).minKubernetesVersion).toBe('1.32');
    expect(() => configFromEnvironment({ VIGIL_CONFIG: '{' })).toThrowError(/not JSON/);
    expect(configFromEnvironment({}).minEmrRelease).toBe('emr-7.0.0');
  });
});
