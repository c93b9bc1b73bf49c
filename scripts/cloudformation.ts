/**
 * CloudFormation resources serverless.yml cannot write statically: one least-privilege role per
 * function (actions from `generated/permissions.json`), each evaluating function's intake (its
 * EventBridge rule, with the generated pattern, feeding its own encrypted queue), the dead-letter
 * queue's policy, and the remediation pieces that exist only when the configuration opts a rule
 * in. Pure builders: the osls glue (`serverless-vars.ts`) feeds them and the infra tests check
 * the packaged result.
 */
import type { PolicyDocument as RemediatorPolicy } from '#shared/remediation/catalog.ts';
import { REMEDIATION_DETAIL_TYPE, REMEDIATION_SOURCE } from '#shared/remediation/request.ts';
import { logicalPrefix } from './deployment-model.ts';

export type Cfn = Record<string, unknown>;

export interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: readonly string[];
  Resource: unknown;
  Condition?: Cfn;
}

/** Logical id of the encrypted queue declared in serverless.yml. */
export const DEAD_LETTER_QUEUE = 'DeadLetterQueue';

const sub = (template: string): Cfn => ({ 'Fn::Sub': template });
const getAtt = (logicalId: string, attribute: string): Cfn => ({ 'Fn::GetAtt': [logicalId, attribute] });

export function roleLogicalId(functionKey: string): string {
  return `${logicalPrefix(functionKey)}FunctionRole`;
}

export function logGroupLogicalId(functionKey: string): string {
  return `${logicalPrefix(functionKey)}LogGroup`;
}

/** The evaluating function's own queue, which its EventBridge rule feeds and its SQS event source reads. */
export function queueLogicalId(functionKey: string): string {
  return `${logicalPrefix(functionKey)}Queue`;
}

export function queuePolicyLogicalId(functionKey: string): string {
  return `${logicalPrefix(functionKey)}QueuePolicy`;
}

export function ruleLogicalId(functionKey: string): string {
  return `${logicalPrefix(functionKey)}Rule`;
}

/** Where the remediation catalogue's `${partition}`, `${region}`, `${account}` placeholders go. */
export const PSEUDO_PARAMETERS = { partition: '${AWS::Partition}', region: '${AWS::Region}', account: '${AWS::AccountId}' } as const;

/** A string holding pseudo parameters becomes `Fn::Sub`; any other `${...}` is a mistake. */
export function subIfNeeded(text: string): Cfn | string {
  const unknown = text.match(/\$\{(?!AWS::(Partition|Region|AccountId)\})[^}]*\}/);
  if (unknown) throw new Error(`${text} holds an unknown placeholder ${unknown[0]}`);
  return text.includes('${') ? sub(text) : text;
}

/**
 * The Security Hub calls every function's sink makes, on this account's and region's own
 * product (imports) and hub (reads and workflow updates): findings go to the function's region.
 */
export function securityHubStatements(operations: { import: boolean; read: boolean }): Statement[] {
  const statements: Statement[] = [];
  if (operations.import) {
    statements.push({
      Sid: 'ImportFindings',
      Effect: 'Allow',
      Action: ['securityhub:BatchImportFindings'],
      Resource: sub('arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:product/${AWS::AccountId}/default'),
    });
  }
  statements.push({
    Sid: 'UpdateFindings',
    Effect: 'Allow',
    Action: operations.read ? ['securityhub:BatchUpdateFindings', 'securityhub:GetFindings'] : ['securityhub:BatchUpdateFindings'],
    Resource: sub('arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:hub/default'),
  });
  return statements;
}

/** Writing to its own log group (created by osls with the retention). */
export function logStatement(functionKey: string): Statement {
  return {
    Sid: 'WriteOwnLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: getAtt(logGroupLogicalId(functionKey), 'Arn'),
  };
}

/** Lambda's on-failure destination sends with the function's own role (the remediator's only). */
export function deadLetterStatement(): Statement {
  return { Sid: 'DeadLetter', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: getAtt(DEAD_LETTER_QUEUE, 'Arn') };
}

/** What Lambda's SQS event source needs of the function's role to poll its queue, on that queue only. */
export const QUEUE_CONSUMER_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] as const;

export function queueConsumerStatement(functionKey: string): Statement {
  return { Sid: 'ConsumeOwnQueue', Effect: 'Allow', Action: [...QUEUE_CONSUMER_ACTIONS], Resource: getAtt(queueLogicalId(functionKey), 'Arn') };
}

/** Live reads: Describe/Get/List calls, most of which take no resource-level permission. */
export function readStatement(sid: string, actions: readonly string[]): Statement[] {
  return actions.length > 0 ? [{ Sid: sid, Effect: 'Allow', Action: [...actions], Resource: '*' }] : [];
}

export function lambdaRole(functionKey: string, description: string, statements: readonly Statement[]): Cfn {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: description,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
      Policies: [{ PolicyName: `vigil-${functionKey}`, PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
    },
  };
}

/**
 * Remediation requests: PutEvents on this region's default bus, only with Vigil's request source
 * and detail-type (an evaluator cannot forge any other event).
 */
export function remediationRequestStatement(): Statement {
  return {
    Sid: 'RequestRemediation',
    Effect: 'Allow',
    Action: ['events:PutEvents'],
    Resource: sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default'),
    Condition: { StringEquals: { 'events:source': REMEDIATION_SOURCE, 'events:detail-type': REMEDIATION_DETAIL_TYPE } },
  };
}

/**
 * The evaluating function's role: its reads, Security Hub, its logs, its own queue. Nothing to
 * send to the dead-letter queue: the queue's redrive policy moves failed messages itself.
 */
export function evaluatorRole(functionKey: string, readActions: readonly string[], requestsRemediation: boolean): Cfn {
  return lambdaRole(functionKey, `Vigil ${functionKey} evaluator: read-only calls its rules need, Security Hub findings, own logs and queue.`, [
    ...readStatement('LiveReads', readActions),
    ...securityHubStatements({ import: true, read: true }),
    ...(requestsRemediation ? [remediationRequestStatement()] : []),
    logStatement(functionKey),
    queueConsumerStatement(functionKey),
  ]);
}

/** Condition values of the catalogue's policy, placeholders and all, as CloudFormation values. */
function subCondition(condition: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>): Cfn {
  return Object.fromEntries(
    Object.entries(condition).map(([operator, keys]) => [
      operator,
      Object.fromEntries(Object.entries(keys).map(([key, value]) => [key, typeof value === 'string' ? subIfNeeded(value) : value.map(subIfNeeded)])),
    ]),
  );
}

/**
 * The remediating function's role: exactly the statements of `remediatorPolicy` (the opted-in
 * rules' write calls, their re-reads and the finding note), plus its logs and the dead-letter
 * queue (its on-failure destination: EventBridge invokes it asynchronously).
 */
export function remediatorRole(functionKey: string, policy: RemediatorPolicy): Cfn {
  const statements: Statement[] = policy.Statement.map((statement) => ({
    Sid: statement.Sid,
    Effect: 'Allow',
    Action: [...statement.Action],
    Resource: statement.Resource.map(subIfNeeded),
    ...(statement.Condition ? { Condition: subCondition(statement.Condition) } : {}),
  }));
  return lambdaRole(functionKey, 'Vigil remediator: the only Vigil role that changes resources, for the opted-in rules only.', [
    ...statements,
    logStatement(functionKey),
    deadLetterStatement(),
  ]);
}

/**
 * Who may send to the dead-letter queue: the EventBridge rules of this stack (by name prefix,
 * for their targets' DeadLetterConfig) and the roles of functions with an on-failure destination
 * (Lambda sends with the function's role; the role policy grants it too): the remediator's, when
 * it exists. The evaluators' queues move failed messages by their redrive policy, which needs no
 * permission.
 */
export function deadLetterQueuePolicy(rulePrefix: string, onFailureRoleIds: readonly string[]): Cfn {
  const queueArn = getAtt(DEAD_LETTER_QUEUE, 'Arn');
  const statements: Cfn[] = [
    {
      Sid: 'RuleTargetsDeadLetter',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: queueArn,
      Condition: { ArnLike: { 'aws:SourceArn': sub(`arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${rulePrefix}-*`) } },
    },
  ];
  if (onFailureRoleIds.length > 0) {
    statements.push({
      Sid: 'FunctionsOnFailure',
      Effect: 'Allow',
      Principal: { AWS: onFailureRoleIds.map((id) => getAtt(id, 'Arn')) },
      Action: 'sqs:SendMessage',
      Resource: queueArn,
    });
  }
  return {
    Type: 'AWS::SQS::QueuePolicy',
    Properties: { Queues: [{ Ref: DEAD_LETTER_QUEUE }], PolicyDocument: { Version: '2012-10-17', Statement: statements } },
  };
}

/** How an evaluating function's queue keeps and hands back messages. */
export interface QueueSettings {
  /** At least six times the function timeout (AWS guidance for SQS event sources), in seconds. */
  visibilityTimeout: number;
  messageRetentionPeriod: number;
  /** Receives before the redrive policy moves a message to the dead-letter queue. */
  maxReceiveCount: number;
}

/** EventBridge's delivery to the queue: its own retries, then the dead-letter queue. */
export interface RuleTargetSettings {
  maximumEventAge: number;
  maximumRetryAttempts: number;
}

export interface IntakeSpec {
  /** The rule's name (under the stack's rule prefix, which the dead-letter queue's policy admits). */
  ruleName: string;
  description: string;
  pattern: Readonly<Record<string, unknown>>;
  queue: QueueSettings;
  target: RuleTargetSettings;
}

/**
 * An evaluating function's intake: its EventBridge rule (the generated pattern) delivers to its
 * own queue, encrypted, which only that rule may send to, and which hands a message that keeps
 * failing to the dead-letter queue. The queue policy names the rule by its ARN, built from its
 * name, so the rule can wait for the policy: no event is refused while the stack is created.
 */
export function evaluatorIntake(functionKey: string, spec: IntakeSpec): Record<string, Cfn> {
  const queue = queueLogicalId(functionKey);
  const policy = queuePolicyLogicalId(functionKey);
  const ruleArn = sub(`arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${spec.ruleName}`);
  return {
    [queue]: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        // CloudTrail records, encrypted at rest with SQS-owned keys (EventBridge can send to them
        // with no key policy, unlike the AWS managed aws/sqs key).
        SqsManagedSseEnabled: true,
        VisibilityTimeout: spec.queue.visibilityTimeout,
        MessageRetentionPeriod: spec.queue.messageRetentionPeriod,
        RedrivePolicy: { deadLetterTargetArn: getAtt(DEAD_LETTER_QUEUE, 'Arn'), maxReceiveCount: spec.queue.maxReceiveCount },
      },
    },
    [policy]: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'OwnRuleOnly',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: getAtt(queue, 'Arn'),
              Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
            },
          ],
        },
      },
    },
    [ruleLogicalId(functionKey)]: {
      Type: 'AWS::Events::Rule',
      DependsOn: [policy],
      Properties: {
        Name: spec.ruleName,
        Description: spec.description,
        EventPattern: spec.pattern,
        State: 'ENABLED',
        Targets: [
          {
            Id: `${functionKey}-queue`,
            Arn: getAtt(queue, 'Arn'),
            DeadLetterConfig: { Arn: getAtt(DEAD_LETTER_QUEUE, 'Arn') },
            RetryPolicy: { MaximumEventAgeInSeconds: spec.target.maximumEventAge, MaximumRetryAttempts: spec.target.maximumRetryAttempts },
          },
        ],
      },
    },
  };
}
