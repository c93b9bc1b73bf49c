/**
 * The SDK client cache and the error vocabulary every AWS call in Vigil shares.
 */
import type { AwsClients, ClientConfig } from '../state/types.ts';

/** Standard retries with client-side rate limiting: throttling backs off instead of failing. */
export const RETRY = { maxAttempts: 6, retryMode: 'adaptive' } as const;

export function createClientCache(overrides: Partial<ClientConfig> = {}): AwsClients {
  const cache = new Map<unknown, Map<string, unknown>>();
  return {
    client<C>(ctor: new (config: ClientConfig) => C, region: string): C {
      let byRegion = cache.get(ctor);
      if (!byRegion) {
        byRegion = new Map();
        cache.set(ctor, byRegion);
      }
      let client = byRegion.get(region) as C | undefined;
      if (!client) {
        client = new ctor({ ...RETRY, ...overrides, region });
        byRegion.set(region, client);
      }
      return client;
    },
  };
}

/** IAM is global: its endpoint lives in one region per partition. */
export function iamRegion(partition: string): string {
  if (partition === 'aws-cn') return 'cn-north-1';
  if (partition === 'aws-us-gov') return 'us-gov-west-1';
  return 'us-east-1';
}

function errorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const record = error as { name?: unknown; Code?: unknown; code?: unknown };
  return String(record.name ?? record.Code ?? record.code ?? '');
}

const NOT_FOUND = new Set([
  'NoSuchEntity',
  'NoSuchEntityException',
  'ResourceNotFoundException',
  'NotFoundException',
  'InvalidLaunchTemplateId.NotFound',
  'InvalidLaunchTemplateId.VersionNotFound',
  'InvalidLaunchTemplateName.NotFoundException',
  'InvalidAMIID.NotFound',
  'InvalidAMIID.Unavailable',
  'InvalidSubnetID.NotFound',
]);

/** The resource is gone (deleted between the event and the read): archive, not an error. */
export function isNotFound(error: unknown): boolean {
  return NOT_FOUND.has(errorName(error));
}

/** Vigil lacks permission for the read: report "not evaluated", never guess. */
export function isAccessDenied(error: unknown): boolean {
  const name = errorName(error);
  return name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'UnauthorizedOperation' || name.endsWith('.UnauthorizedOperation');
}

export function describeError(error: unknown): string {
  const name = errorName(error) || 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return `${name}: ${message}`;
}
