import { GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand, ListEntitiesForPolicyCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClientCache } from '#shared/aws/clients.ts';
import type { Change } from '#shared/model.ts';
import { parsePolicyDocument } from '#shared/policy/document.ts';
import { roleRef } from '#shared/sources/refs.ts';
import { IAM_EXPANDERS } from '#shared/sources/iam/expanders.ts';
import { IAM_EXTRACTORS } from '#shared/sources/iam/extractors.ts';
import { getRole, IAM_READERS, rolePermissionsReader } from '#shared/sources/iam/readers.ts';
import { readRolePermissions, ROLE_PERMISSION_ACTIONS } from '#shared/sources/iam/role-permissions.ts';
import type { Observation, RoleState, Subject } from '#shared/state/types.ts';
import { actionsCalled, type IamWorld, loadWorld, serveWorld } from '../fixtures/iam/mock-iam.ts';
import { EVENTS_DIR, evaluateEvent, loadEvent, statuses, testPipeline, verdictOf } from '../support/pipeline.ts';

const iam = mockClient(IAMClient);
const aws = () => createClientCache({ maxAttempts: 1 });
const ROLE = (name: string) => `arn:aws:iam::111122223333:role/${name}`;

function changeOf(event: Record<string, unknown>): Change {
  const parsed = testPipeline().parse(event);
  if (!parsed.ok) throw new Error(`fixture did not parse: ${parsed.reason}`);
  return parsed.change;
}

function extract(event: Record<string, unknown>): Observation[] {
  const change = changeOf(event);
  return IAM_EXTRACTORS.filter((extractor) => extractor.eventName === change.eventName).flatMap((extractor) => extractor.extract(change));
}

function roleSubject(name: string, state: Partial<RoleState> = {}): Subject<'iam-role'> {
  const change = changeOf(loadEvent('iam-3/AttachRolePolicy.fail.administrator-access-irsa.json'));
  return { kind: 'iam-role', ref: roleRef(change, name), state: { roleName: name, ...state } };
}

function request(event: Record<string, unknown>): Record<string, unknown> {
  return (event.detail as { requestParameters: Record<string, unknown> }).requestParameters;
}

describe('iam extractors', () => {
  it('reads a CreateRole: trust from the request text, tags, ARN, and no permissions yet', () => {
    // Act
    const [observation, ...rest] = extract(loadEvent('iam-1/CreateRole.pass.irsa-bound.json'));

    // Assess
    expect(rest).toEqual([]);
    expect(observation?.ref).toMatchObject({ kind: 'iam-role', id: ROLE('payments-api-irsa'), name: 'payments-api-irsa', region: 'us-east-1', attrs: { roleName: 'payments-api-irsa' } });
    const state = observation?.state as RoleState;
    expect(state.roleArn).toBe(ROLE('payments-api-irsa'));
    expect(state.tags).toEqual({ team: 'payments' });
    expect(state.attachedPolicyArns).toEqual([]);
    expect(state.inlinePolicies).toEqual({});
    expect(state.trustPolicy?.Statement[0]?.Condition?.StringEquals).toEqual({
      'oidc.eks.eu-west-1.amazonaws.com/id/5C4B1A7D9E2F8A3B6C0D1E2F3A4B5C6D:sub': ['system:serviceaccount:payments:payments-api'],
      'oidc.eks.eu-west-1.amazonaws.com/id/5C4B1A7D9E2F8A3B6C0D1E2F3A4B5C6D:aud': ['sts.amazonaws.com'],
    });
  });

  it.each([
    ['pretty-printed, Statement as one object', 'iam-1/CreateRole.fail.wildcard-sub.json'],
    ['compact (Terraform)', 'iam-1/CreateRole.fail.no-sub.json'],
  ])('parses a %s trust policy the same as its URL-encoded response copy', (_, fixture) => {
    // Prepare
    const event = loadEvent(fixture);
    const copy = loadEvent(fixture);
    request(copy).assumeRolePolicyDocument = 'not json';

    // Act
    const fromRequest = (extract(event)[0]?.state as RoleState).trustPolicy;
    const fromResponse = (extract(copy)[0]?.state as RoleState).trustPolicy;

    // Assess
    expect(fromRequest?.Statement).toHaveLength(1);
    expect(fromResponse).toEqual(fromRequest);
  });

  it('builds the role id without its path, so every event names the same resource', () => {
    // Prepare
    const event = loadEvent('iam-6/CreateRole.pass.named-account.json');
    request(event).path = '/service-roles/';
    const response = (event.detail as { responseElements: { role: { arn: string } } }).responseElements.role;
    response.arn = 'arn:aws:iam::111122223333:role/service-roles/audit-reader';

    // Act
    const [observation] = extract(event);

    // Assess
    expect(observation?.ref.id).toBe(ROLE('audit-reader'));
    expect((observation?.state as RoleState).roleArn).toBe('arn:aws:iam::111122223333:role/service-roles/audit-reader');
    expect((observation?.state as RoleState).tags).toEqual({});
  });

  it.each([
    ['iam-6/UpdateAssumeRolePolicy.fail.principal-star.json', { roleName: 'partner-data-exchange', trustPolicy: parsePolicyDocument({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: ['sts:AssumeRole', 'sts:TagSession'] }] }) }],
    ['iam-3/AttachRolePolicy.fail.administrator-access-irsa.json', { roleName: 'payments-api-irsa', policyAttachment: { policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess', attached: true } }],
    ['iam-3/DetachRolePolicy.pass.admin-detached.json', { roleName: 'payments-api-irsa', policyAttachment: { policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess', attached: false } }],
    ['iam-3/PutRolePolicy.fail.inline-iam-wildcard.json', { roleName: 'payments-api-irsa', inlinePolicyChange: { policyName: 'bootstrap', document: parsePolicyDocument({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['IAM:*', 's3:GetObject'], Resource: '*' }] }) } }],
    ['iam-3/DeleteRolePolicy.pass.inline-removed.json', { roleName: 'payments-api-irsa', inlinePolicyChange: { policyName: 'bootstrap', document: null } }],
  ])('reads %s into exactly what the event says', (fixture, state) => {
    // Act
    const observations = extract(loadEvent(fixture));

    // Assess
    expect(observations).toEqual([{ kind: 'iam-role', ref: expect.objectContaining({ id: ROLE(state.roleName) }), state }]);
  });

  it('marks DeleteRole as deleting the role', () => {
    // Act
    const observations = extract(loadEvent('iam-1/DeleteRole.archive.role-deleted.json'));

    // Assess
    expect(observations).toEqual([expect.objectContaining({ deleted: true, ref: expect.objectContaining({ id: ROLE('reporting-irsa') }) })]);
    expect(IAM_EXTRACTORS.find((extractor) => extractor.eventName === 'DeleteRole')?.deletes).toBe(true);
  });
});

describe('iam readers', () => {
  let world: IamWorld;
  beforeEach(() => {
    iam.reset();
    world = loadWorld();
  });

  it('GetRole gives the decoded trust policy, ARN and tags, from the IAM region', async () => {
    // Prepare
    serveWorld(iam, world);

    // Act
    const result = await getRole.read(roleSubject('payments-api-irsa'), aws());

    // Assess
    expect(result).toEqual({
      found: true,
      state: {
        roleName: 'payments-api-irsa',
        roleArn: ROLE('payments-api-irsa'),
        trustPolicy: parsePolicyDocument(world.roles['payments-api-irsa']?.trust),
        tags: { team: 'payments' },
      },
    });
    expect(await iam.call(0).thisValue.config.region()).toBe('us-east-1');
  });

  it('reads every page of attached and inline policies, and the default version of customer-managed ones only', async () => {
    // Prepare
    const role = world.roles['payments-api-irsa'] as IamWorld['roles'][string];
    role.attached.push('arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess', 'arn:aws:iam::111122223333:policy/payments-api-s3');
    role.inline = { a: { Statement: { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' } }, b: { Statement: [] }, c: { Statement: [] } };
    serveWorld(iam, world, 2);

    // Act
    const state = await readRolePermissions(aws(), 'aws', 'payments-api-irsa');

    // Assess
    expect(state?.attachedPolicyArns).toEqual([
      'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
      'arn:aws:iam::111122223333:policy/platform-workloads',
      'arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess',
      'arn:aws:iam::111122223333:policy/payments-api-s3',
    ]);
    expect(Object.keys(state?.inlinePolicies ?? {})).toEqual(['a', 'b', 'c']);
    expect(state?.inlinePolicies?.a).toEqual({ Statement: [{ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: ['*'] }] });
    expect(Object.keys(state?.managedPolicyDocuments ?? {})).toEqual(['arn:aws:iam::111122223333:policy/platform-workloads', 'arn:aws:iam::111122223333:policy/payments-api-s3']);
    expect(iam.commandCalls(ListAttachedRolePoliciesCommand).map((call) => call.args[0].input)).toEqual([
      { RoleName: 'payments-api-irsa' },
      { RoleName: 'payments-api-irsa', Marker: '2' },
    ]);
    expect(iam.commandCalls(ListRolePoliciesCommand)).toHaveLength(2);
  });

  it('answers null for a role that does not exist, and skips a policy deleted between list and read', async () => {
    // Prepare
    delete world.policies['arn:aws:iam::111122223333:policy/platform-workloads'];
    serveWorld(iam, world);

    // Act
    const missing = await readRolePermissions(aws(), 'aws', 'no-such-role');
    const present = await readRolePermissions(aws(), 'aws', 'payments-api-irsa');

    // Assess
    expect(missing).toBeNull();
    expect(present?.managedPolicyDocuments).toEqual({});
    expect(present?.attachedPolicyArns).toContain('arn:aws:iam::111122223333:policy/platform-workloads');
  });

  it('lets AccessDenied through to the caller', async () => {
    // Prepare
    iam.on(ListAttachedRolePoliciesCommand).rejects(Object.assign(new Error('not authorized to perform iam:ListAttachedRolePolicies'), { name: 'AccessDenied' }));

    // Act / Assess
    await expect(readRolePermissions(aws(), 'aws', 'payments-api-irsa')).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('performs only the IAM actions the readers and the expander declare', async () => {
    // Prepare
    serveWorld(iam, world);
    const declared = new Set([...IAM_READERS.flatMap((reader) => reader.actions), ...IAM_EXPANDERS.flatMap((expander) => expander.actions)]);

    // Act
    await getRole.read(roleSubject('payments-api-irsa'), aws());
    await rolePermissionsReader.read(roleSubject('payments-api-irsa', { policyAttachment: { policyArn: 'arn:aws:iam::111122223333:policy/payments-api-s3', attached: true } }), aws());
    await evaluateEvent(loadEvent('iam-3/CreatePolicyVersion.fail.fan-out.json'), { live: true });

    // Assess
    const called = actionsCalled(iam);
    expect(called).toEqual(['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:GetRole', 'iam:ListAttachedRolePolicies', 'iam:ListEntitiesForPolicy', 'iam:ListRolePolicies']);
    for (const action of called) expect(declared).toContain(action);
    expect([...ROLE_PERMISSION_ACTIONS].sort()).toEqual(['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies']);
  });

  it('archives the findings of a role that is gone when it is read (NoSuchEntity)', async () => {
    // Prepare
    serveWorld(iam, world);
    const event = loadEvent('iam-3/AttachRolePolicy.fail.administrator-access-irsa.json');
    request(event).roleName = 'already-deleted';

    // Act
    const outcome = await evaluateEvent(event, { live: true });

    // Assess
    expect(outcome.updates).toEqual([]);
    expect(outcome.archives.map((archive) => archive.ref.id)).toEqual([ROLE('already-deleted')]);
  });

  it('reports AccessDenied as not evaluated, never as PASSED', async () => {
    // Prepare
    iam.on(GetRoleCommand).rejects(Object.assign(new Error('User is not authorized to perform: iam:GetRole'), { name: 'AccessDenied' }));

    // Act
    const outcome = await evaluateEvent(loadEvent('iam-3/DetachRolePolicy.pass.admin-detached.json'), { live: true });

    // Assess
    expect(statuses(outcome)).toEqual(['NOT_AVAILABLE']);
    expect(outcome.notEvaluated.map(({ ruleId, reason, readers }) => [ruleId, reason, readers])).toEqual([
      ['IAM.3', 'access-denied', ['iam:GetRole']],
      ['IAM.4', 'access-denied', ['iam:GetRole']],
      ['IAM.5', 'access-denied', ['iam:GetRole']],
    ]);
  });
});

describe('iam policy-version expander', () => {
  const createPolicyVersion = IAM_EXPANDERS.find((expander) => expander.eventName === 'CreatePolicyVersion');
  const setDefault = IAM_EXPANDERS.find((expander) => expander.eventName === 'SetDefaultPolicyVersion');

  beforeEach(() => {
    iam.reset();
    serveWorld(iam, loadWorld());
  });

  it('emits one observation per attached role, carrying the new default document', async () => {
    // Act
    const observations = await createPolicyVersion?.expand(changeOf(loadEvent('iam-3/CreatePolicyVersion.fail.fan-out.json')), aws());

    // Assess
    expect(observations?.map((observation) => observation.ref.id)).toEqual([ROLE('payments-api-irsa'), ROLE('invoice-renderer-lambda')]);
    const documents = (observations?.[0]?.state as RoleState).managedPolicyDocuments ?? {};
    expect(documents['arn:aws:iam::111122223333:policy/platform-workloads']?.Statement.map((statement) => statement.Sid)).toEqual(['ReadConfig', 'Bootstrap']);
    expect(createPolicyVersion?.actions).toEqual(['iam:ListEntitiesForPolicy']);
  });

  it('emits roles without a document for SetDefaultPolicyVersion (the version is read live)', async () => {
    // Act
    const observations = await setDefault?.expand(changeOf(loadEvent('iam-3/SetDefaultPolicyVersion.pass.rollback.json')), aws());

    // Assess
    expect(observations?.map((observation) => observation.state)).toEqual([{ roleName: 'payments-api-irsa' }, { roleName: 'invoice-renderer-lambda' }]);
  });

  it.each([
    ['a version that is not the default', (event: Record<string, unknown>) => { request(event).setAsDefault = false; }],
    ['an AWS-managed policy', (event: Record<string, unknown>) => { request(event).policyArn = 'arn:aws:iam::aws:policy/AdministratorAccess'; }],
  ])('lists nothing for %s', async (_, change) => {
    // Prepare
    const event = loadEvent('iam-3/CreatePolicyVersion.fail.fan-out.json');
    change(event);

    // Act
    const observations = await createPolicyVersion?.expand(changeOf(event), aws());

    // Assess
    expect(observations).toEqual([]);
    expect(iam.commandCalls(ListEntitiesForPolicyCommand)).toHaveLength(0);
  });

  it('treats a policy deleted before the listing as affecting no role', async () => {
    // Prepare
    const event = loadEvent('iam-3/CreatePolicyVersion.fail.fan-out.json');
    request(event).policyArn = 'arn:aws:iam::111122223333:policy/deleted-meanwhile';

    // Act
    const outcome = await evaluateEvent(event, { live: true });

    // Assess
    expect(outcome.updates).toEqual([]);
    expect(outcome.notEvaluated).toEqual([]);
    expect(verdictOf(outcome, 'IAM.3')).toBeUndefined();
  });
});

describe('iam fixtures', () => {
  const fixtures = ['iam-1', 'iam-2', 'iam-3', 'iam-4', 'iam-5', 'iam-6'].flatMap((dir) => readdirSync(join(EVENTS_DIR, dir)).map((file) => `${dir}/${file}`));

  it.each(fixtures)('%s is a handled, successful call named <EventName>.<verdict>.<variant>.json', (fixture) => {
    // Act
    const event = loadEvent(fixture);
    const parsed = testPipeline().parse(event);

    // Assess
    const [eventName, verdict] = fixture.split('/')[1]?.split('.') ?? [];
    expect(['pass', 'fail', 'archive', 'skip', 'needs-live']).toContain(verdict);
    expect(parsed.ok && parsed.change.eventName).toBe(eventName);
    expect(event).toMatchObject({ account: '111122223333', 'detail-type': 'AWS API Call via CloudTrail', detail: { readOnly: false, recipientAccountId: '111122223333' } });
    expect((event.detail as { awsRegion: string }).awsRegion).toBe(parsed.ok && parsed.change.service === 'iam' ? 'us-east-1' : 'eu-west-1');
  });

  it('varies event ids across fixtures', () => {
    const ids = fixtures.map((fixture) => (loadEvent(fixture).detail as { eventID: string }).eventID);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
