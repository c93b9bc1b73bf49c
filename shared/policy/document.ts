/**
 * IAM policy documents, normalised: every value that the grammar allows as "string or array"
 * becomes an array, so analysis code never branches on spelling. Input is what CloudTrail and
 * IAM hand us: a JSON string (pretty or compact), a URL-encoded JSON string (GetRole,
 * CreateRole's response), or an already parsed object.
 */

export type Principal = '*' | Readonly<Record<string, readonly string[]>>;

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: readonly string[];
  NotAction?: readonly string[];
  Resource?: readonly string[];
  NotResource?: readonly string[];
  Principal?: Principal;
  NotPrincipal?: Principal;
  /** operator → condition key → values. Keys keep their case; operators are case-sensitive in IAM. */
  Condition?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: readonly PolicyStatement[];
}

export class PolicyParseError extends Error {
  override name = 'PolicyParseError';
}

function toStringArray(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  const values = Array.isArray(value) ? value : [value];
  return values.map((item) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'number' || typeof item === 'boolean') return String(item);
    throw new PolicyParseError(`${field} holds a ${typeof item}, expected strings`);
  });
}

function normalisePrincipal(value: unknown, field: string): Principal | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === '*') return '*';
  if (typeof value === 'object' && !Array.isArray(value)) {
    const principal: Record<string, string[]> = {};
    for (const [type, ids] of Object.entries(value)) principal[type] = toStringArray(ids, `${field}.${type}`);
    return principal;
  }
  throw new PolicyParseError(`${field} must be "*" or an object`);
}

function normaliseCondition(value: unknown): PolicyStatement['Condition'] {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new PolicyParseError('Condition must be an object');
  const condition: Record<string, Record<string, string[]>> = {};
  for (const [operator, block] of Object.entries(value)) {
    if (typeof block !== 'object' || block === null || Array.isArray(block)) {
      throw new PolicyParseError(`Condition.${operator} must be an object`);
    }
    condition[operator] = {};
    for (const [key, values] of Object.entries(block)) {
      condition[operator][key] = toStringArray(values, `Condition.${operator}.${key}`);
    }
  }
  return condition;
}

function normaliseStatement(raw: unknown, index: number): PolicyStatement {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PolicyParseError(`Statement[${index}] is not an object`);
  }
  const source = raw as Record<string, unknown>;
  const effect = source.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') {
    throw new PolicyParseError(`Statement[${index}].Effect must be Allow or Deny`);
  }
  const statement: {
    -readonly [P in keyof PolicyStatement]: PolicyStatement[P];
  } = { Effect: effect };
  if (typeof source.Sid === 'string') statement.Sid = source.Sid;
  if ('Action' in source) statement.Action = toStringArray(source.Action, 'Action');
  if ('NotAction' in source) statement.NotAction = toStringArray(source.NotAction, 'NotAction');
  if ('Resource' in source) statement.Resource = toStringArray(source.Resource, 'Resource');
  if ('NotResource' in source) statement.NotResource = toStringArray(source.NotResource, 'NotResource');
  const principal = normalisePrincipal(source.Principal, 'Principal');
  if (principal) statement.Principal = principal;
  const notPrincipal = normalisePrincipal(source.NotPrincipal, 'NotPrincipal');
  if (notPrincipal) statement.NotPrincipal = notPrincipal;
  const condition = normaliseCondition(source.Condition);
  if (condition) statement.Condition = condition;
  return statement;
}

function decodeText(text: string): unknown {
  const trimmed = text.trim();
  // IAM returns documents URL-encoded (GetRole, GetPolicyVersion, CreateRole's response).
  try {
    // A malformed escape throws URIError: still "not a policy", never an unexpected error.
    const json = trimmed.startsWith('%7B') || trimmed.startsWith('%7b') ? decodeURIComponent(trimmed) : trimmed;
    return JSON.parse(json);
  } catch (error) {
    throw new PolicyParseError(`policy document is not JSON: ${(error as Error).message}`);
  }
}

/** Parses and normalises a policy document. Throws `PolicyParseError` on anything not a policy. */
export function parsePolicyDocument(input: unknown): PolicyDocument {
  const value = typeof input === 'string' ? decodeText(input) : input;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PolicyParseError('policy document is not an object');
  }
  const source = value as Record<string, unknown>;
  const rawStatements = source.Statement;
  if (rawStatements === undefined) throw new PolicyParseError('policy document has no Statement');
  const statements = (Array.isArray(rawStatements) ? rawStatements : [rawStatements]).map(normaliseStatement);
  return typeof source.Version === 'string' ? { Version: source.Version, Statement: statements } : { Statement: statements };
}

/** Like `parsePolicyDocument`, but answers `undefined` instead of throwing. */
export function tryParsePolicyDocument(input: unknown): PolicyDocument | undefined {
  try {
    return parsePolicyDocument(input);
  } catch {
    return undefined;
  }
}
