import { describe, expect, it } from 'vitest';
import {
  adminGrants,
  admitsDefaultServiceAccount,
  audienceBound,
  awsManagedPolicyName,
  eksWebIdentityTrusts,
  isEmrServiceAccountPattern,
  openTrustStatements,
  roleUsesFromTrust,
} from '#shared/policy/analysis.ts';
import { parsePolicyDocument, type PolicyDocument } from '#shared/policy/document.ts';
import { coversLanguage, globMatches } from '#shared/policy/glob.ts';
import { rolePermissions } from '#shared/policy/role.ts';

const doc = (...statements: unknown[]): PolicyDocument => parsePolicyDocument({ Version: '2012-10-17', Statement: statements });
const allow = (action: unknown, resource: unknown = '*', extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Action: action, Resource: resource, ...extra });
const grants = (...documents: PolicyDocument[]) => adminGrants({ attachedPolicyArns: [], documents });

const ISSUER = 'oidc.eks.eu-west-1.amazonaws.com/id/5C4B1A7D9E2F8A3B6C0D1E2F3A4B5C6D';
const PROVIDER = `arn:aws:iam::111122223333:oidc-provider/${ISSUER}`;
const irsa = (condition?: unknown, principal: unknown = { Federated: PROVIDER }) => ({
  Effect: 'Allow',
  Principal: principal,
  Action: 'sts:AssumeRoleWithWebIdentity',
  ...(condition ? { Condition: condition } : {}),
});

describe('IAM wildcard patterns', () => {
  it.each([
    ['*', 'iam', true],
    ['*:*', 'iam', true],
    ['iam:*', 'iam', true],
    ['IAM:*', 'iam', true],
    ['i*:*', 'iam', true],
    ['iam*', 'iam', true],
    ['?am:*', 'iam', true],
    // Every action name has at least one character.
    ['iam:?*', 'iam', true],
    ['iam:?', 'iam', false],
    ['iam:Get*', 'iam', false],
    ['iam:*:*', 'iam', false],
    ['s*:*', 'sts', true],
    ['s*:*', 'iam', false],
  ])('%s covers every %s action: %s', (pattern, service, expected) => {
    expect(coversLanguage([pattern], [{ literal: `${service}:` }, { any: 'one-or-more' }], { whenUndecided: false })).toBe(expected);
  });

  it('decides a union of patterns as a whole', () => {
    expect(coversLanguage(['iam:a*', 'iam:b*'], [{ literal: 'iam:' }, { any: 'one-or-more' }], { whenUndecided: true })).toBe(false);
    expect(coversLanguage(['iam:Get*', 'iam:*'], [{ literal: 'iam:' }, { any: 'one-or-more' }], { whenUndecided: false })).toBe(true);
  });

  it.each([
    ['sts:AssumeRole*', 'sts:AssumeRoleWithWebIdentity', true],
    ['sts:assumerolewithwebidentity', 'sts:AssumeRoleWithWebIdentity', true],
    ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity', false],
    ['sts:AssumeRole?', 'sts:AssumeRoleX', true],
  ])('%s matches %s: %s', (pattern, text, expected) => {
    expect(globMatches(pattern, text)).toBe(expected);
  });
});

describe('adminGrants', () => {
  it.each([
    ['arn:aws:iam::aws:policy/AdministratorAccess', ['AWS managed policy AdministratorAccess is attached']],
    ['arn:aws-cn:iam::aws:policy/PowerUserAccess', ['AWS managed policy PowerUserAccess is attached']],
    ['arn:aws:iam::aws:policy/IAMFullAccess', ['AWS managed policy IAMFullAccess is attached']],
    ['arn:aws:iam::aws:policy/job-function/SystemAdministrator', []],
    // A customer-managed policy with the same name is judged by its content, not its name.
    ['arn:aws:iam::111122223333:policy/AdministratorAccess', []],
  ])('judges attached %s by name', (policyArn, expected) => {
    expect(adminGrants({ attachedPolicyArns: [policyArn], documents: [] })).toEqual(expected);
  });

  it.each([
    ['*', '*', 'statement 1 allows every action (*) on every resource'],
    ['*:*', '*', 'allows every action (*:*)'],
    [['s3:GetObject', 'iam:*'], '*', 'allows iam:* (s3:GetObject, iam:*)'],
    ['sts:*', '*', 'allows sts:* (sts:*)'],
    ['iam:*', 'arn:aws:iam::*:*', 'allows iam:*'],
    // One account's IAM resources are still all the IAM resources that matter to it.
    ['iam:*', 'arn:aws:iam::111122223333:*', 'allows iam:*'],
    ['iam:*', 'arn:*', 'allows iam:*'],
  ])('flags Action %j on Resource %j', (action, resource, phrase) => {
    const reasons = grants(doc(allow(action, resource)));
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toContain(phrase);
  });

  it.each([
    ['iam:Get*', '*'],
    ['iam:PassRole', '*'],
    ['s3:*', '*'],
    ['iam:*', 'arn:aws:iam::111122223333:role/app-*'],
    ['iam:*', 'arn:aws:s3:::*'],
    [['iam:a*', 'iam:b*'], '*'],
  ])('does not flag Action %j on Resource %j', (action, resource) => {
    expect(grants(doc(allow(action, resource)))).toEqual([]);
  });

  it.each([
    [{ Effect: 'Allow', NotAction: ['iam:*', 'sts:*'], Resource: '*' }, []],
    [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }, ['policy document 1 statement 1 allows every action except iam:* on every resource, including sts actions']],
    [{ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }, ['policy document 1 statement 1 allows every action except s3:* on every resource, including iam actions and sts actions']],
    [{ Effect: 'Allow', NotAction: '*', Resource: '*' }, []],
    [{ Effect: 'Allow', Action: 'iam:*', NotResource: 'arn:aws:s3:::payments/*' }, ['policy document 1 statement 1 allows iam:* (iam:*) on every resource']],
    [{ Effect: 'Allow', Action: 'iam:*', NotResource: '*' }, []],
  ])('reads NotAction / NotResource %j', (statement, expected) => {
    expect(grants(doc(statement))).toEqual(expected);
  });

  it('lets an unconditional Deny of the same actions on every resource cancel the grant, in any document', () => {
    expect(grants(doc(allow('*'), { Effect: 'Deny', Action: ['iam:*', 'sts:*'], Resource: '*' }))).toEqual([]);
    expect(grants(doc(allow('*')), doc({ Effect: 'Deny', NotAction: 's3:*', Resource: '*' }))).toEqual([]);
    // A Deny of iam alone leaves sts:*.
    expect(grants(doc(allow('*'), { Effect: 'Deny', Action: 'iam:*', Resource: '*' }))).toEqual(['policy document 1 statement 1 allows sts:* (*) on every resource']);
  });

  it('does not let a conditional or narrower Deny cancel anything', () => {
    const conditional = { Effect: 'Deny', Action: '*', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } };
    expect(grants(doc(allow('*'), conditional))).toHaveLength(1);
    expect(grants(doc(allow('iam:*'), { Effect: 'Deny', Action: 'iam:*', Resource: 'arn:aws:iam::*:role/admin' }))).toHaveLength(1);
  });

  it('counts an Allow with a condition: the condition narrows when, not what', () => {
    expect(grants(doc(allow('iam:*', '*', { Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } })))).toHaveLength(1);
  });

  it('names documents by their labels', () => {
    const reasons = adminGrants({ attachedPolicyArns: [], documents: [doc({ Sid: 'Everything', ...allow('*') })], labels: ['inline policy bootstrap'] });
    expect(reasons).toEqual(['inline policy bootstrap statement "Everything" allows every action (*) on every resource']);
  });

  it('knows AWS-managed policy names under any path and partition', () => {
    expect(awsManagedPolicyName('arn:aws-us-gov:iam::aws:policy/service-role/AmazonEKS_CNI_Policy')).toBe('AmazonEKS_CNI_Policy');
    expect(awsManagedPolicyName('arn:aws:iam::111122223333:policy/AmazonEKS_CNI_Policy')).toBeUndefined();
  });
});

describe('role permissions with the event laid over the live read', () => {
  it('adds an attach and removes a detach the live list may not show yet', () => {
    const base = { roleName: 'r', attachedPolicyArns: ['arn:aws:iam::aws:policy/A'], inlinePolicies: {}, managedPolicyDocuments: {} };
    expect(rolePermissions({ ...base, policyAttachment: { policyArn: 'arn:aws:iam::aws:policy/B', attached: true } }).attachedPolicyArns).toEqual(['arn:aws:iam::aws:policy/A', 'arn:aws:iam::aws:policy/B']);
    expect(rolePermissions({ ...base, policyAttachment: { policyArn: 'arn:aws:iam::aws:policy/A', attached: false } }).attachedPolicyArns).toEqual([]);
    expect(rolePermissions({ roleName: 'r', inlinePolicyChange: { policyName: 'p', document: doc(allow('*')) } })).toMatchObject({ complete: false, labels: ['inline policy p'] });
  });
});

describe('IRSA trust analysis', () => {
  it('finds the OIDC statements, their sub and aud bindings, whatever the case of the keys', () => {
    const trust = doc(irsa({ StringEquals: { [`${ISSUER.toUpperCase()}:SUB`]: 'system:serviceaccount:a:b', [`${ISSUER}:aud`]: 'sts.amazonaws.com' } }));
    const [binding, ...rest] = eksWebIdentityTrusts(trust);
    expect(rest).toEqual([]);
    expect(binding).toMatchObject({ statementIndex: 0, providerArn: PROVIDER, issuer: ISSUER, hasCondition: true, sub: { values: ['system:serviceaccount:a:b'], wildcard: false } });
    expect(binding && audienceBound(binding)).toBe(true);
  });

  it.each([
    ['StringLike', { StringLike: { [`${ISSUER}:sub`]: 'system:serviceaccount:a:*' } }, { values: ['system:serviceaccount:a:*'], wildcard: true }],
    ['ForAnyValue:StringLike', { 'ForAnyValue:StringLike': { [`${ISSUER}:sub`]: ['system:serviceaccount:a:*'] } }, { values: ['system:serviceaccount:a:*'], wildcard: true }],
    ['StringEquals with a literal *', { StringEquals: { [`${ISSUER}:sub`]: 'system:serviceaccount:a:*' } }, { values: ['system:serviceaccount:a:*'], wildcard: false }],
    // IAM ANDs the operators: the exact value is what the statement allows.
    ['StringEquals and StringLike', { StringLike: { [`${ISSUER}:sub`]: '*' }, StringEquals: { [`${ISSUER}:sub`]: 'system:serviceaccount:a:b' } }, { values: ['system:serviceaccount:a:b'], wildcard: false }],
    ['StringNotEquals binds nothing', { StringNotEquals: { [`${ISSUER}:sub`]: 'system:serviceaccount:a:b' } }, null],
    ['another issuer binds nothing', { StringEquals: { 'oidc.eks.eu-west-1.amazonaws.com/id/OTHER:sub': 'system:serviceaccount:a:b' } }, null],
  ])('reads a sub under %s', (_, condition, expected) => {
    const [binding] = eksWebIdentityTrusts(doc(irsa(condition)));
    expect(binding?.sub === null ? null : { values: binding?.sub?.values, wildcard: binding?.sub?.wildcard }).toEqual(expected);
  });

  it('ignores OIDC providers that are not EKS clusters, and Deny statements', () => {
    const github = 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com';
    expect(eksWebIdentityTrusts(doc(irsa(undefined, { Federated: github }), { ...irsa(), Effect: 'Deny' }))).toEqual([]);
    expect(eksWebIdentityTrusts(doc(irsa(undefined, { Federated: [github, 'arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC123'] })))).toHaveLength(1);
  });

  it.each([
    ['system:serviceaccount:spark:emr-containers-sa-*-*-111122223333-abc', true],
    ['system:serviceaccount:spark:emr-containers-sa-*', true],
    ['system:serviceaccount:*:emr-containers-sa-*', false],
    ['system:serviceaccount:spark:*', false],
    ['system:serviceaccount:spark:emr-containers-sa-', false],
    ['system:serviceaccount:spark:emr-containers-sa-x:y', false],
  ])('treats %s as the EMR pattern: %s', (value, expected) => {
    expect(isEmrServiceAccountPattern(value)).toBe(expected);
  });

  it('finds the sub values that admit a default service account', () => {
    expect(admitsDefaultServiceAccount({ operators: ['StringLike'], values: ['system:serviceaccount:*:*', 'system:serviceaccount:a:app-*', 'system:serviceaccount:a:def?ult'], wildcard: true, ignoreCase: false })).toEqual([
      'system:serviceaccount:*:*',
      'system:serviceaccount:a:def?ult',
    ]);
    expect(admitsDefaultServiceAccount({ operators: ['StringEqualsIgnoreCase'], values: ['system:serviceaccount:a:DEFAULT'], wildcard: false, ignoreCase: true })).toEqual(['system:serviceaccount:a:DEFAULT']);
  });
});

describe('open trust and role use', () => {
  it.each([
    [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }, 'Principal "*"', false],
    [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }, 'Principal {"AWS": "*"}', false],
    [{ Effect: 'Allow', Principal: { AWS: ['*'] }, Action: 'sts:Assume*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } } }, 'Principal {"AWS": "*"}', true],
    [{ Effect: 'Allow', NotPrincipal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'sts:AssumeRoleWithSAML' }, 'NotPrincipal', false],
  ])('finds %j', (statement, how, hasCondition) => {
    expect(openTrustStatements(doc(statement))).toEqual([{ statementIndex: 0, hasCondition, how }]);
  });

  it.each([
    [{ Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole' }],
    [{ Effect: 'Allow', Principal: { AWS: '444455556666' }, Action: 'sts:AssumeRole' }],
    [{ Effect: 'Allow', Principal: '*', Action: 'sts:TagSession' }],
  ])('does not flag %j', (statement) => {
    expect(openTrustStatements(doc(statement))).toEqual([]);
  });

  it('classifies uses from the trust, and EC2 roles as node roles only with a worker-node policy', () => {
    const podIdentity = doc({ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] });
    const ec2 = doc({ Effect: 'Allow', Principal: { Service: ['ec2.amazonaws.com'] }, Action: 'sts:AssumeRole' });
    const emr = doc(irsa({ StringLike: { [`${ISSUER}:sub`]: 'system:serviceaccount:spark:emr-containers-sa-*' } }));
    expect(roleUsesFromTrust(podIdentity)).toEqual(['pod-identity']);
    expect(roleUsesFromTrust(emr)).toEqual(['irsa', 'emr-execution']);
    expect(roleUsesFromTrust(ec2, ['arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy'])).toEqual(['node']);
    expect(roleUsesFromTrust(ec2, ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore'])).toEqual([]);
    expect(roleUsesFromTrust(ec2)).toEqual([]);
  });
});

describe('crafted policies', () => {
  // Each `*x<k>*y<k>*` tracks its own progress, so deciding whether the union covers every IAM
  // action means visiting 3^24 automaton states: past the budget the answer is the safe side.
  const letters = 'cdefghjklnopqruvwyz0123456789'.split('');
  const crafted = [...Array.from({ length: 24 }, (_, k) => `*${letters[k]}*${letters[(k + 7) % letters.length]}*`), 'iam:*'];

  it('takes an Allow it cannot decide in budget as granting', () => {
    const reasons = grants(doc(allow(crafted)));
    expect(reasons).toEqual([expect.stringContaining('allows iam:* (*c*k*, *d*l*, *e*n*, *f*o*, *g*p* and 20 more) on every resource')]);
  });

  it('shares one budget across a whole analysis, so many crafted statements stay cheap and on the safe side', () => {
    const reasons = grants(doc(...Array.from({ length: 12 }, () => allow(crafted))));
    expect(reasons).toHaveLength(12);
    // Once the budget is spent, even sts (which `crafted` does not cover) counts as granted.
    expect(reasons.filter((reason) => reason.includes('allows iam:* and sts:*')).length).toBeGreaterThan(0);
  });

  it('takes a Deny it cannot decide in budget as not cancelling', () => {
    expect(grants(doc(allow('iam:*'), { Effect: 'Deny', Action: crafted, Resource: '*' }))).toHaveLength(1);
    // Decidable in budget, the same Deny does cancel.
    expect(grants(doc(allow('iam:*'), { Effect: 'Deny', Action: crafted.slice(-3), Resource: '*' }))).toEqual([]);
  });
});
