/**
 * Readers for the shapes CloudTrail gives request and response bodies. Every extractor uses
 * these instead of poking at `unknown` by hand.
 */
// js-yaml, not `yaml`: a sixth of the size in every Lambda bundle, and parsing is all we need
// here (the EKS.8 remediation, which must keep comments when it rewrites YAML, uses `yaml`).
import { load as parseYaml } from 'js-yaml';

export type Json = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `key`, or `undefined`. */
export function obj(source: unknown, key: string): Json | undefined {
  if (!isObject(source)) return undefined;
  const value = source[key];
  return isObject(value) ? value : undefined;
}

/** The string at `key`, or `undefined`. */
export function str(source: unknown, key: string): string | undefined {
  if (!isObject(source)) return undefined;
  const value = source[key];
  return typeof value === 'string' ? value : undefined;
}

/** A number at `key`; EC2 query-protocol numbers may arrive as strings. */
export function num(source: unknown, key: string): number | undefined {
  if (!isObject(source)) return undefined;
  const value = source[key];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** A boolean at `key`; some exports flatten booleans to "true"/"false". */
export function bool(source: unknown, key: string): boolean | undefined {
  if (!isObject(source)) return undefined;
  const value = source[key];
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'True') return true;
  if (value === 'false' || value === 'False') return false;
  return undefined;
}

/**
 * EC2's query protocol collapses a one-element list to its element and wraps scalars as
 * `{"tag": n, "content": value}`. This gives the list back as an array of elements.
 */
export function toArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => (isObject(item) && 'content' in item && 'tag' in item ? item.content : item));
}

/** A list of strings, from an array, a single string or EC2's wrapped elements. */
export function strings(value: unknown): string[] {
  return toArray(value).filter((item): item is string => typeof item === 'string');
}

/** EC2 wraps requests and responses: `requestParameters.CreateLaunchTemplateRequest`. */
export function ec2Body(body: unknown, operation: string, side: 'Request' | 'Response'): Json | undefined {
  return obj(body, `${operation}${side}`);
}

/** EKS keeps URI path parameters URL-encoded (`principalArn` of AssociateAccessPolicy). */
export function decodePathParameter(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Tags given as `{k: v}` (EKS, IAM responses) or `[{key|Key, value|Value}]` (IAM, EC2). */
export function tagsOf(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (isObject(value) && !('Key' in value) && !('key' in value)) {
    const tags: Record<string, string> = {};
    for (const [key, tagValue] of Object.entries(value)) if (typeof tagValue === 'string') tags[key] = tagValue;
    return tags;
  }
  const tags: Record<string, string> = {};
  for (const item of toArray(value)) {
    const key = str(item, 'Key') ?? str(item, 'key');
    const tagValue = str(item, 'Value') ?? str(item, 'value') ?? '';
    if (key !== undefined) tags[key] = tagValue;
  }
  return tags;
}

export class ConfigurationValuesError extends Error {
  override name = 'ConfigurationValuesError';
}

/**
 * EKS add-on `configurationValues` is a string holding JSON or YAML. Returns the parsed object;
 * an empty string means no configuration. Throws `ConfigurationValuesError` on anything else.
 */
export function parseConfigurationValues(text: string): Record<string, unknown> | null {
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    try {
      value = parseYaml(text);
    } catch (error) {
      throw new ConfigurationValuesError(`configurationValues is neither JSON nor YAML: ${(error as Error).message}`);
    }
  }
  if (value === null || value === undefined) return null;
  if (!isObject(value)) throw new ConfigurationValuesError('configurationValues is not an object');
  return { ...value };
}

/** CloudTrail redacts sensitive members with one of these markers. */
export function isRedacted(value: unknown): boolean {
  return value === 'HIDDEN_DUE_TO_SECURITY_REASONS' || value === '<sensitiveDataRemoved>';
}
