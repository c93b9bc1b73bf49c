/**
 * EKS body shapes shared by the extractors (CloudTrail request/response) and the readers (SDK
 * output). Both use the API's camelCase member names, so one reader of each shape serves both.
 * Pure: no SDK imports.
 */
import { bool, ConfigurationValuesError, isObject, obj, parseConfigurationValues, str, strings } from '../../events/quirks.ts';
import type { EksLogType, LaunchTemplateSpec } from '../../state/types.ts';
import { EKS_LOG_TYPES } from '../../state/types.ts';

export type LogRecord = Partial<Record<EksLogType, boolean>>;

function isLogType(value: string): value is EksLogType {
  return (EKS_LOG_TYPES as readonly string[]).includes(value);
}

/** A list of strings at `key`; `undefined` when the key is absent, so "not sent" stays apart from "empty". */
export function stringList(source: unknown, key: string): string[] | undefined {
  if (!isObject(source)) return undefined;
  const value = source[key];
  if (value === undefined || value === null) return undefined;
  return strings(value);
}

/**
 * The log types a `logging` structure names, each with its flag. An UpdateClusterConfig lists only
 * the types it toggles, so the record is partial; `undefined` when there is no `clusterLogging`.
 */
export function loggingDelta(logging: unknown): LogRecord | undefined {
  const setups = isObject(logging) ? logging.clusterLogging : undefined;
  if (!Array.isArray(setups)) return undefined;
  const record: LogRecord = {};
  for (const setup of setups) {
    const enabled = bool(setup, 'enabled');
    if (enabled === undefined) continue;
    for (const type of stringList(setup, 'types') ?? []) if (isLogType(type)) record[type] = enabled;
  }
  return record;
}

/** Every log type's flag: a type a cluster description or creation does not list is off. */
export function fullLogging(logging: unknown): Record<EksLogType, boolean> {
  const record = Object.fromEntries(EKS_LOG_TYPES.map((type) => [type, false])) as Record<EksLogType, boolean>;
  return { ...record, ...loggingDelta(logging) };
}

/** The KMS key of the `encryptionConfig` entry covering `secrets`, if any. */
export function secretsKeyArnOf(encryptionConfig: unknown): string | undefined {
  if (!Array.isArray(encryptionConfig)) return undefined;
  for (const entry of encryptionConfig) {
    if (!(stringList(entry, 'resources') ?? []).includes('secrets')) continue;
    const keyArn = str(obj(entry, 'provider'), 'keyArn');
    if (keyArn) return keyArn;
  }
  return undefined;
}

/** A node group's launch template; `null` when it has none (EKS then builds one it manages). */
export function launchTemplateOf(value: unknown): LaunchTemplateSpec | null {
  if (!isObject(value)) return null;
  const spec: LaunchTemplateSpec = {
    id: str(value, 'id') ?? null,
    name: str(value, 'name') ?? null,
    version: str(value, 'version') ?? null,
  };
  return spec.id === null && spec.name === null ? null : spec;
}

/**
 * An add-on's `configurationValues` (JSON or YAML in a string). `null` for an empty string;
 * `undefined` when there is no string or it cannot be parsed, so the rule reads the live value
 * instead of judging a guess.
 */
export function configurationValuesOf(value: unknown): Record<string, unknown> | null | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return parseConfigurationValues(value);
  } catch (error) {
    if (error instanceof ConfigurationValuesError) return undefined;
    throw error;
  }
}

/** Access scope of an access policy association; `namespaces` is absent for cluster scope. */
export function accessScopeOf(value: unknown): { type: string; namespaces: readonly string[] } | undefined {
  if (!isObject(value)) return undefined;
  const namespaces = stringList(value, 'namespaces') ?? [];
  return { type: str(value, 'type') ?? (namespaces.length > 0 ? 'namespace' : 'cluster'), namespaces };
}
