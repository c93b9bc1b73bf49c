import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '#shared/config.ts';
import type { ResourceRef } from '#shared/model.ts';
import { adminGrants, eksWebIdentityTrusts, openTrustStatements, roleUsesFromTrust } from '#shared/policy/analysis.ts';
import { parsePolicyDocument, PolicyParseError } from '#shared/policy/document.ts';
import { coversLanguage, globMatches } from '#shared/policy/glob.ts';
import { iam1IrsaTrustScope } from '#shared/rules/iam/iam-1-irsa-trust-scope.ts';
import { iam6OpenTrust } from '#shared/rules/iam/iam-6-open-trust.ts';

type Json = Record<string, unknown>;

const ISSUER = 'oidc.eks.eu-west-1.amazonaws.com/id/5C4B1A7D9E2F8A3B6C0D1E2F3A4B5C6D';
const REF: ResourceRef = { kind: 'iam-role', id: 'arn:aws:iam::111122223333:role/r', name: 'r', accountId: '111122223333', region: 'us-east-1', partition: 'aws', attrs: { roleName: 'r' } };

const actions = fc.constantFrom('*', '*:*', 'iam:*', 'iam:Get*', 'iam:PassRole', 'i*:*', 'sts:*', 'sts:AssumeRole', 's3:GetObject', 'ec2:Describe*', 'iam:?*');
const resources = fc.constantFrom('*', 'arn:aws:s3:::bucket/*', 'arn:aws:iam::111122223333:role/app-*', 'arn:aws:iam::*:*', 'arn:aws:iam::111122223333:*');
const condition = fc.constantFrom(undefined, { Bool: { 'aws:SecureTransport': ['true'] } });

/** Identity-policy statements in their normal (array) spelling. */
const statement = fc.record({
  Effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
  actionKey: fc.constantFrom('Action', 'Action', 'NotAction'),
  actions: fc.array(actions, { minLength: 1, maxLength: 3 }),
  resources: fc.array(resources, { minLength: 1, maxLength: 2 }),
  condition,
}).map(({ Effect, actionKey, actions: list, resources: resourceList, condition: when }): Json => ({
  Effect,
  [actionKey]: list,
  Resource: resourceList,
  ...(when ? { Condition: when } : {}),
}));
const policy = fc.array(statement, { minLength: 1, maxLength: 4 }).map((statements) => ({ Version: '2012-10-17', Statement: statements }));

/** Another spelling of the same policy: one-element arrays as strings, Statement as an object, flipped case in actions. */
function respell(document: { Statement: Json[] }, seed: number): Json {
  const flip = (text: string) => [...text].map((char, index) => ((seed >> index % 16) & 1 ? char.toUpperCase() : char.toLowerCase())).join('');
  const spell = (value: unknown, key: string): unknown => {
    if (!Array.isArray(value)) return value;
    const values = key === 'Action' || key === 'NotAction' ? value.map((item) => flip(String(item))) : value;
    return values.length === 1 && seed % 2 === 0 ? values[0] : values;
  };
  const statements = document.Statement.map((item) => Object.fromEntries(Object.entries(item).map(([key, value]) => [key, spell(value, key)])));
  return { Version: '2012-10-17', Statement: statements.length === 1 && seed % 3 === 0 ? statements[0] : statements };
}

const verdict = (document: unknown) => adminGrants({ attachedPolicyArns: [], documents: [parsePolicyDocument(document)] }).length;

describe('admin-grant analysis is independent of spelling', () => {
  it('gives the same verdict for string vs one-element array, object vs array Statement, and action case', () => {
    fc.assert(
      fc.property(policy, fc.nat(), (document, seed) => {
        expect(verdict(respell(document, seed))).toBe(verdict(document));
      }),
    );
  });

  it('gives the same verdict whatever the order of the statements', () => {
    fc.assert(
      fc.property(
        policy.chain((document) => fc.tuple(fc.constant(document), fc.shuffledSubarray(document.Statement, { minLength: document.Statement.length }))),
        ([document, shuffled]) => {
          expect(verdict({ ...document, Statement: shuffled })).toBe(verdict(document));
        },
      ),
    );
  });

  it('treats equivalent spellings of "every IAM action" alike', () => {
    fc.assert(
      fc.property(fc.constantFrom('iam:*', 'IAM:*', 'Iam:*', 'i*:*', 'iam*', 'iam:?*', 'iam:*?'), fc.constantFrom('*', ['*']), (action, resource) => {
        expect(adminGrants({ attachedPolicyArns: [], documents: [parsePolicyDocument({ Statement: { Effect: 'Allow', Action: action, Resource: resource } })] })).toHaveLength(1);
      }),
    );
  });
});

describe('trust analysis is independent of spelling', () => {
  const sub = fc.constantFrom('system:serviceaccount:a:b', 'system:serviceaccount:a:*', 'system:serviceaccount:spark:emr-containers-sa-*', 'system:serviceaccount:a:default');
  const operator = fc.constantFrom('StringEquals', 'StringLike', 'ForAnyValue:StringLike');
  const irsaStatement = fc
    .record({ subOperator: operator, subs: fc.option(fc.array(sub, { minLength: 1, maxLength: 2 }), { nil: undefined }), aud: fc.boolean() })
    .map(({ subOperator, subs, aud }): Json => {
      const blocks: Record<string, Record<string, string[]>> = {};
      if (subs) blocks[subOperator] = { [`${ISSUER}:sub`]: subs };
      if (aud) blocks.StringEquals = { ...(blocks.StringEquals ?? {}), [`${ISSUER}:aud`]: ['sts.amazonaws.com'] };
      return {
        Effect: 'Allow',
        Principal: { Federated: [`arn:aws:iam::111122223333:oidc-provider/${ISSUER}`] },
        Action: ['sts:AssumeRoleWithWebIdentity'],
        ...(Object.keys(blocks).length > 0 ? { Condition: blocks } : {}),
      };
    });
  const openStatement = fc.constantFrom<Json>(
    { Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['sts:AssumeRole'] },
    { Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::444455556666:root'] }, Action: ['sts:AssumeRole'] },
    { Effect: 'Allow', Principal: { Service: ['ec2.amazonaws.com'] }, Action: ['sts:AssumeRole'] },
  );
  const trust = fc.array(fc.oneof(irsaStatement, openStatement), { minLength: 1, maxLength: 3 }).map((statements) => ({ Version: '2012-10-17', Statement: statements }));

  const judge = (document: unknown) => {
    const trustPolicy = parsePolicyDocument(document);
    const state = { roleName: 'r', trustPolicy };
    const iam1 = iam1IrsaTrustScope.evaluate({ kind: 'iam-role', ref: REF, state }, { config: defaultConfig });
    const iam6 = iam6OpenTrust.evaluate({ kind: 'iam-role', ref: REF, state }, { config: defaultConfig });
    return {
      iam1: [iam1.status, 'severity' in iam1 ? iam1.severity : undefined],
      iam6: iam6.status,
      uses: roleUsesFromTrust(trustPolicy, []),
    };
  };

  it('gives IAM.1 and IAM.6 the same verdict for respelled and reordered trust policies', () => {
    fc.assert(
      fc.property(trust, fc.nat(), (document, seed) => {
        const expected = judge(document);
        expect(judge(respell(document, seed))).toEqual(expected);
        expect(judge({ ...document, Statement: [...document.Statement].reverse() })).toEqual(expected);
      }),
    );
  });

  it('reads condition keys case-insensitively', () => {
    fc.assert(
      fc.property(trust, (document) => {
        const upper = JSON.parse(JSON.stringify(document).replaceAll(`${ISSUER}:sub`, `${ISSUER.toUpperCase()}:SUB`).replaceAll(`${ISSUER}:aud`, `${ISSUER}:AUD`)) as unknown;
        expect(judge(upper)).toEqual(judge(document));
      }),
    );
  });
});

describe('parsing and analysis never fail on arbitrary input', () => {
  const nearPolicy = fc.oneof(
    fc.anything(),
    fc.record({ Statement: fc.anything() }),
    fc.record({ Statement: fc.array(fc.dictionary(fc.constantFrom('Effect', 'Action', 'NotAction', 'Resource', 'Principal', 'NotPrincipal', 'Condition', 'Sid'), fc.anything())) }),
    fc.record({
      Statement: fc.array(
        fc.record({
          Effect: fc.constantFrom('Allow', 'Deny'),
          Action: fc.oneof(fc.string(), fc.array(fc.string())),
          Resource: fc.oneof(fc.string(), fc.array(fc.string())),
          Principal: fc.oneof(fc.constant('*'), fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.array(fc.string())))),
          Condition: fc.dictionary(fc.string(), fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.array(fc.string())))),
        }),
      ),
    }),
  );

  const parseOrReject = (input: unknown) => {
    try {
      return parsePolicyDocument(input);
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyParseError);
      return undefined;
    }
  };

  it('parses or throws PolicyParseError, for values, JSON text and URL-encoded JSON text', () => {
    fc.assert(
      fc.property(nearPolicy, fc.string(), (value, text) => {
        parseOrReject(value);
        parseOrReject(text);
        parseOrReject(`%7B${text}`);
        const json = JSON.stringify(value);
        if (json !== undefined) {
          parseOrReject(json);
          parseOrReject(encodeURIComponent(json));
        }
      }),
    );
  });

  it('analyses whatever parses without throwing', () => {
    fc.assert(
      fc.property(nearPolicy, (value) => {
        const document = parseOrReject(value);
        if (!document) return;
        adminGrants({ attachedPolicyArns: [], documents: [document] });
        eksWebIdentityTrusts(document);
        openTrustStatements(document);
        roleUsesFromTrust(document, []);
      }),
    );
  });
});

describe('wildcard matching agrees with a reference implementation', () => {
  const alphabet = fc.constantFrom('i', 'a', 'm', ':', 'x', 'I');
  const pattern = fc.array(fc.oneof(alphabet, fc.constantFrom('*', '?')), { maxLength: 8 }).map((chars) => chars.join(''));
  const text = fc.array(alphabet, { maxLength: 8 }).map((chars) => chars.join(''));
  const reference = (glob: string, value: string) =>
    new RegExp(`^${[...glob].map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`, 'is').test(value);

  it('matches exactly what the equivalent regular expression matches', () => {
    fc.assert(
      fc.property(pattern, text, (glob, value) => {
        expect(globMatches(glob, value)).toBe(reference(glob, value));
      }),
    );
  });

  it('claims a pattern covers every iam action only when every iam action matches', () => {
    fc.assert(
      fc.property(pattern, fc.array(fc.array(alphabet, { minLength: 1, maxLength: 6 }).map((chars) => chars.join('')), { minLength: 1, maxLength: 10 }), (glob, names) => {
        fc.pre(coversLanguage([glob], [{ literal: 'iam:' }, { any: 'one-or-more' }], { whenUndecided: false }));
        for (const name of names) expect(reference(glob, `iam:${name}`)).toBe(true);
      }),
    );
  });
});
