/**
 * The Security Hub sink: the life of a finding (rules.md) on three API operations, within
 * Security Hub's limits (100 findings and 6 MB per import, 100 ids per workflow update, 20 values
 * per filter field, 10 req/s with bursts of 30 for imports and updates, 3 req/s with bursts of 6
 * for GetFindings, all per account and Region).
 *
 * Calls per publish, per (account, Region): one GetFindings per 20 resources, one
 * BatchImportFindings per 100 findings, and one BatchUpdateFindings per workflow status that
 * actually changes. A typical event (one resource, a few rules) costs 2 calls, 3 when a verdict
 * flips to PASSED or an exemption applies, and 1 when it is a duplicate delivery.
 *
 * The GetFindings that precedes the import serves three purposes at once:
 * - `CreatedAt` and `FirstObservedAt` are carried over from the stored finding, so they keep
 *   the first observation (BatchImportFindings overwrites what it is given);
 * - updates older than the stored finding are not sent at all (Security Hub would ignore them)
 *   and are counted as `stale`;
 * - a workflow change is applied only when the stored finding is the one we import: stored
 *   `UpdatedAt` older than ours (our import replaces it) or equal with the same compliance
 *   status (a retry after the import succeeded). It is skipped when the stored workflow already
 *   has that status and our import cannot reopen it (duplicate PASSED events cost no update).
 * Security Hub has no conditional update, so a newer import made by a concurrent invocation
 * between our read and our BatchUpdateFindings can still be marked RESOLVED; the next change
 * on that resource corrects it. Reading after the import instead would leave the same window,
 * cost a second GetFindings, and race with Security Hub's own propagation of our import.
 *
 * Cross-account: BatchImportFindings must run in the account that owns the finding. The sink
 * reaches its own account with the function's clients; findings of any other account need the
 * `clientForAccount` hook (a central deployment returns a client whose credentials come from a
 * role assumed in the member account). Without the hook, such findings make `publish` throw
 * before any call: never dropped, never sent to the wrong account.
 */
import {
  type AwsSecurityFinding,
  type AwsSecurityFindingFilters,
  type AwsSecurityFindingIdentifier,
  BatchImportFindingsCommand,
  type BatchImportFindingsResponse,
  BatchUpdateFindingsCommand,
  type BatchUpdateFindingsResponse,
  GetFindingsCommand,
  type GetFindingsResponse,
  SecurityHubClient,
  type StringFilter,
} from '@aws-sdk/client-securityhub';
import { describeError } from '../aws/clients.ts';
import { type Log, newestPerFinding, silentLog } from '../pipeline/evaluate.ts';
import type { AwsClients } from '../state/types.ts';
import { archivedFinding, fitFinding, GENERATOR_PREFIX, jsonSizeBound, productArn } from './asff.ts';
import type { ArchiveRequest, FindingSink, FindingUpdate, SinkReport, WorkflowChange } from './types.ts';
import { emptyReport } from './types.ts';

export const SECURITY_HUB_LIMITS = {
  findingsPerImport: 100,
  /** Serialised request body of one BatchImportFindings call (6 MB, counted in decimal to stay clear of it). */
  bytesPerImport: 6_000_000,
  identifiersPerUpdate: 100,
  /** GetFindings accepts at most 20 values per filter field. */
  valuesPerFilter: 20,
  resultsPerPage: 100,
} as const;

/** Documented request rates, per account and Region (SecurityHubClient reference). */
export const RATE_LIMITS = {
  BatchImportFindings: { perSecond: 10, burst: 30 },
  BatchUpdateFindings: { perSecond: 10, burst: 30 },
  GetFindings: { perSecond: 3, burst: 6 },
} as const;

export type SecurityHubOperation = keyof typeof RATE_LIMITS;

const THROTTLING = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'LimitExceededException', 'RequestLimitExceeded']);
/** Failure codes no retry can fix: throw at once instead of spending calls. */
const PERMANENT_FAILURES = new Set(['InvalidInput', 'InvalidInputException', 'InvalidAccess', 'InvalidAccessException', 'AccessDeniedException']);

export function isThrottling(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const record = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = record.$metadata?.httpStatusCode;
  return THROTTLING.has(String(record.name ?? '')) || status === 429 || status === 503;
}

export interface SecurityHubSinkOptions {
  clients: AwsClients;
  log?: Log;
  /** The account the function's own clients reach. Findings of other accounts need `clientForAccount`. */
  accountId?: string;
  /** Client for another account's Security Hub (e.g. with credentials of a role assumed there). */
  clientForAccount?: (accountId: string, region: string) => SecurityHubClient | Promise<SecurityHubClient>;
  /** Attempts per call on throttling, and per finding on `FailedFindings`/`UnprocessedFindings`. Default 4. */
  maxAttempts?: number;
  /** First backoff; doubles per attempt, full jitter, capped by `maxDelayMs`. Defaults 250 and 5000. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export interface FindingFailure {
  id: string;
  code: string;
  message: string;
}

/** Findings the sink could not import or update: the event must be retried (Lambda, then its DLQ). */
export class SecurityHubSinkError extends Error {
  override name = 'SecurityHubSinkError';
  readonly failures: readonly FindingFailure[];
  constructor(message: string, failures: readonly FindingFailure[] = [], options?: ErrorOptions) {
    super(message, options);
    this.failures = failures;
  }
}

const LISTED_FAILURES = 25;

function failureMessage(what: string, failures: readonly FindingFailure[]): string {
  const listed = failures.slice(0, LISTED_FAILURES).map((failure) => `${failure.id} (${failure.code}: ${failure.message})`);
  const more = failures.length > LISTED_FAILURES ? `, and ${failures.length - LISTED_FAILURES} more` : '';
  return `${what}: ${listed.join(', ')}${more}`;
}

/** Requests a second, refilled at `perSecond` up to `burst`. Callers over the rate wait their turn. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly perSecond: number;
  private readonly burst: number;

  constructor(perSecond: number, burst: number, now: number) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
    this.last = now;
  }

  /** Reserves one request; returns how long to wait before sending it. */
  reserve(now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    this.tokens -= 1;
    // A reservation may drive the balance negative: later callers queue behind it.
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.perSecond) * 1000);
  }
}

interface Scope {
  accountId: string;
  region: string;
}

function scopeKey(scope: Scope): string {
  return `${scope.accountId}\u0000${scope.region}`;
}

function timeOf(timestamp: string | undefined): number {
  const value = timestamp ? Date.parse(timestamp) : Number.NaN;
  return Number.isNaN(value) ? Number.NEGATIVE_INFINITY : value;
}

function storeKey(finding: AwsSecurityFinding): string {
  return `${finding.ProductArn ?? ''}\u0000${finding.Id ?? ''}`;
}

function resourceIdOf(finding: AwsSecurityFinding): string | undefined {
  return finding.Resources?.[0]?.Id;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

function equalsFilters(values: readonly string[]): StringFilter[] {
  return values.map((value) => ({ Comparison: 'EQUALS', Value: value }));
}

/** Splits findings into calls of at most 100 findings and 6 MB. */
export function importBatches(findings: readonly AwsSecurityFinding[]): AwsSecurityFinding[][] {
  const envelope = Buffer.byteLength('{"Findings":[]}');
  // When a bound on all the findings' sizes fits one call, only the count splits them: the
  // findings need not be serialised to be measured.
  const bound = jsonSizeBound(findings, SECURITY_HUB_LIMITS.bytesPerImport - envelope);
  if (bound !== undefined) return chunk(findings, SECURITY_HUB_LIMITS.findingsPerImport);
  const batches: AwsSecurityFinding[][] = [];
  let current: AwsSecurityFinding[] = [];
  let bytes = envelope;
  for (const finding of findings) {
    const size = Buffer.byteLength(JSON.stringify(finding)) + 1;
    if (current.length > 0 && (current.length >= SECURITY_HUB_LIMITS.findingsPerImport || bytes + size > SECURITY_HUB_LIMITS.bytesPerImport)) {
      batches.push(current);
      current = [];
      bytes = envelope;
    }
    current.push(finding);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** A stored finding without what Security Hub and its users own (workflow, notes, `aws/` fields). */
function forReimport(stored: AwsSecurityFinding): AwsSecurityFinding {
  const {
    ProcessedAt: _processedAt,
    Workflow: _workflow,
    WorkflowState: _workflowState,
    Note: _note,
    UserDefinedFields: _userDefinedFields,
    VerificationState: _verificationState,
    ...rest
  } = stored;
  const productFields = Object.fromEntries(Object.entries(stored.ProductFields ?? {}).filter(([key]) => !key.startsWith('aws/')));
  return { ...rest, ProductFields: productFields };
}

interface Plan {
  /** What to import (with first observation carried over), if anything. */
  finding?: AwsSecurityFinding;
  workflow?: WorkflowChange;
  stale: boolean;
}

/** Decides, from the stored finding, what an update still has to do. */
function plan(update: FindingUpdate, stored: AwsSecurityFinding | undefined): Plan {
  const finding = update.finding;
  const workflow = update.workflow;
  if (update.existingOnly && (!stored || stored.RecordState === 'ARCHIVED')) return { stale: false };
  if (!stored) return { finding, ...(workflow ? { workflow } : {}), stale: false };
  const ours = timeOf(finding.UpdatedAt);
  const theirs = timeOf(stored.UpdatedAt);
  const sameVerdict = stored.Compliance?.Status === finding.Compliance?.Status && stored.RecordState === (finding.RecordState ?? 'ACTIVE');
  // An import keeps the workflow unless it reopens the finding (compliance or record state changes).
  const workflowHeld = workflow !== undefined && sameVerdict && stored.Workflow?.Status === workflow;
  if (theirs > ours) return { stale: true };
  if (theirs === ours) {
    // Already imported (duplicate delivery, or a retry after a failed workflow update).
    return sameVerdict && workflow && !workflowHeld ? { workflow, stale: true } : { stale: true };
  }
  const carried: AwsSecurityFinding =
    stored.RecordState === 'ARCHIVED'
      ? finding // The resource was deleted and made again: a new first observation.
      : {
          ...finding,
          CreatedAt: stored.CreatedAt ?? finding.CreatedAt,
          FirstObservedAt: stored.FirstObservedAt ?? stored.CreatedAt ?? finding.FirstObservedAt,
        };
  return { finding: carried, ...(workflow && !workflowHeld ? { workflow } : {}), stale: false };
}

interface ImportResult {
  imported: Set<string>;
  failures: FindingFailure[];
}

export class SecurityHubSink implements FindingSink {
  /** AWS calls made, per operation (every attempt counts). */
  readonly calls: Record<SecurityHubOperation, number> = { BatchImportFindings: 0, BatchUpdateFindings: 0, GetFindings: 0 };
  private readonly options: SecurityHubSinkOptions;
  private readonly log: Log;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly maxAttempts: number;
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(options: SecurityHubSinkOptions) {
    this.options = options;
    this.log = options.log ?? silentLog;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  }

  get totalCalls(): number {
    return this.calls.BatchImportFindings + this.calls.BatchUpdateFindings + this.calls.GetFindings;
  }

  async publish(updates: readonly FindingUpdate[]): Promise<SinkReport> {
    const report = emptyReport();
    const groups = this.groupBy(newestPerFinding(updates), (update) => this.scopeOfFinding(update.finding));
    const clients = await this.clientsFor([...groups.values()].map((group) => group.scope));
    const failures: FindingFailure[] = [];
    for (const { scope, items } of groups.values()) {
      const client = clients.get(scopeKey(scope)) as SecurityHubClient;
      const stored = await this.storedFindings(client, scope, items.map((update) => update.finding));
      const toImport: AwsSecurityFinding[] = [];
      const workflows: { finding: AwsSecurityFinding; workflow: WorkflowChange; viaImport: boolean }[] = [];
      for (const update of items) {
        const decision = plan(update, stored.get(storeKey(update.finding)));
        if (decision.stale) report.stale += 1;
        if (decision.finding) toImport.push(decision.finding);
        if (decision.workflow) workflows.push({ finding: update.finding, workflow: decision.workflow, viaImport: decision.finding !== undefined });
      }
      const result = await this.importFindings(client, scope, toImport);
      report.imported += result.imported.size;
      failures.push(...result.failures);
      // A workflow change waits for its import: never resolve a finding Security Hub does not hold.
      const ready = workflows.filter((entry) => !entry.viaImport || result.imported.has(storeKey(entry.finding)));
      const updated = await this.updateWorkflows(client, scope, ready);
      report.workflowUpdated += updated.updated;
      failures.push(...updated.failures);
    }
    if (failures.length > 0) throw new SecurityHubSinkError(failureMessage(`Security Hub did not accept ${failures.length} finding change(s)`, failures), failures);
    return report;
  }

  async archive(requests: readonly ArchiveRequest[]): Promise<SinkReport> {
    const report = emptyReport();
    const groups = this.groupBy(requests, (request) => ({ accountId: request.ref.accountId, region: request.findingRegion }));
    const clients = await this.clientsFor([...groups.values()].map((group) => group.scope));
    const failures: FindingFailure[] = [];
    for (const { scope, items } of groups.values()) {
      const client = clients.get(scopeKey(scope)) as SecurityHubClient;
      // The newest delete per resource decides (a batch may hold a delete and its re-delivery).
      const byResource = new Map<string, ArchiveRequest>();
      for (const request of items) {
        const current = byResource.get(request.ref.id);
        if (!current || timeOf(current.eventTime) <= timeOf(request.eventTime)) byResource.set(request.ref.id, request);
      }
      const arns = [...new Set(items.map((request) => productArn(request.ref.partition, scope.region, scope.accountId)))];
      const active = await this.query(client, scope, { ProductArn: equalsFilters(arns), RecordState: equalsFilters(['ACTIVE']) }, 'ResourceId', [...byResource.keys()]);
      const toImport: AwsSecurityFinding[] = [];
      for (const stored of active) {
        const request = (stored.Resources ?? []).map((resource) => byResource.get(resource.Id ?? '')).find((found) => found !== undefined);
        if (!request) continue;
        if (timeOf(stored.UpdatedAt) >= timeOf(request.eventTime)) {
          // A verdict newer than the delete (the resource was made again): keep it.
          report.stale += 1;
          continue;
        }
        toImport.push(fitFinding(archivedFinding(forReimport(stored), request.eventTime, request.eventId, request.eventName)));
      }
      const result = await this.importFindings(client, scope, toImport);
      report.archived += result.imported.size;
      failures.push(...result.failures);
    }
    if (failures.length > 0) throw new SecurityHubSinkError(failureMessage(`Security Hub did not archive ${failures.length} finding(s)`, failures), failures);
    return report;
  }

  private scopeOfFinding(finding: AwsSecurityFinding): Scope {
    if (!finding.Id || !finding.AwsAccountId || !finding.Region || !finding.ProductArn) {
      throw new SecurityHubSinkError(`finding ${finding.Id ?? '(no Id)'} lacks Id, AwsAccountId, Region or ProductArn`);
    }
    return { accountId: finding.AwsAccountId, region: finding.Region };
  }

  private groupBy<T>(items: readonly T[], scopeOf: (item: T) => Scope): Map<string, { scope: Scope; items: T[] }> {
    const groups = new Map<string, { scope: Scope; items: T[] }>();
    for (const item of items) {
      const scope = scopeOf(item);
      const group = groups.get(scopeKey(scope)) ?? { scope, items: [] };
      group.items.push(item);
      groups.set(scopeKey(scope), group);
    }
    return groups;
  }

  /** Resolves every scope's client before any call, so a foreign account fails the batch up front. */
  private async clientsFor(scopes: readonly Scope[]): Promise<Map<string, SecurityHubClient>> {
    const own = this.options.accountId;
    const hook = this.options.clientForAccount;
    const foreign = scopes.filter((scope) => own !== undefined && scope.accountId !== own);
    if (foreign.length > 0 && !hook) {
      const accounts = [...new Set(foreign.map((scope) => scope.accountId))].join(', ');
      throw new SecurityHubSinkError(
        `findings of account(s) ${accounts} cannot be imported from account ${own}: BatchImportFindings must be called in the account that owns the finding; configure clientForAccount (a client using a role assumed in that account)`,
      );
    }
    const clients = new Map<string, SecurityHubClient>();
    for (const scope of scopes) {
      const isForeign = own !== undefined && scope.accountId !== own;
      clients.set(
        scopeKey(scope),
        isForeign && hook ? await hook(scope.accountId, scope.region) : this.options.clients.client(SecurityHubClient, scope.region),
      );
    }
    return clients;
  }

  /** One call, within the rate, retried with backoff while Security Hub throttles it. */
  private async call<T>(operation: SecurityHubOperation, scope: Scope, send: () => Promise<T>): Promise<T> {
    const key = `${operation}\u0000${scopeKey(scope)}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(RATE_LIMITS[operation].perSecond, RATE_LIMITS[operation].burst, this.now());
      this.buckets.set(key, bucket);
    }
    for (let attempt = 1; ; attempt += 1) {
      const wait = bucket.reserve(this.now());
      if (wait > 0) await this.sleep(wait);
      this.calls[operation] += 1;
      try {
        return await send();
      } catch (error) {
        if (!isThrottling(error)) throw error;
        if (attempt >= this.maxAttempts) {
          throw new SecurityHubSinkError(`${operation} in ${scope.accountId}/${scope.region} still throttled after ${attempt} attempts: ${describeError(error)}`, [], { cause: error });
        }
        this.log.warn('Security Hub throttled the call; backing off', { operation, accountId: scope.accountId, region: scope.region, attempt });
        await this.sleep(this.backoff(attempt));
      }
    }
  }

  /** Full jitter: a random delay up to base·2^(attempt-1), capped. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.options.maxDelayMs ?? 5000, (this.options.baseDelayMs ?? 250) * 2 ** (attempt - 1));
    return Math.round(this.random() * ceiling);
  }

  /** Vigil's findings matching `base` and one of `values` of `field`, 20 values per call, all pages. */
  private async query(
    client: SecurityHubClient,
    scope: Scope,
    base: AwsSecurityFindingFilters,
    field: 'ResourceId' | 'Id',
    values: readonly string[],
  ): Promise<AwsSecurityFinding[]> {
    const found: AwsSecurityFinding[] = [];
    for (const part of chunk(values, SECURITY_HUB_LIMITS.valuesPerFilter)) {
      const filters: AwsSecurityFindingFilters = {
        ...base,
        AwsAccountId: equalsFilters([scope.accountId]),
        GeneratorId: [{ Comparison: 'PREFIX', Value: GENERATOR_PREFIX }],
        [field]: equalsFilters(part),
      };
      let nextToken: string | undefined;
      const seen = new Set<string>();
      do {
        const page: GetFindingsResponse = await this.call('GetFindings', scope, () =>
          client.send(new GetFindingsCommand({ Filters: filters, MaxResults: SECURITY_HUB_LIMITS.resultsPerPage, ...(nextToken ? { NextToken: nextToken } : {}) })),
        );
        found.push(...(page.Findings ?? []));
        nextToken = page.NextToken || undefined;
        if (nextToken && seen.has(nextToken)) throw new SecurityHubSinkError('GetFindings returned a pagination token twice');
        if (nextToken) seen.add(nextToken);
      } while (nextToken);
    }
    return found;
  }

  /** The stored versions of these findings (by ProductArn and Id), where Security Hub has them. */
  private async storedFindings(client: SecurityHubClient, scope: Scope, findings: readonly AwsSecurityFinding[]): Promise<Map<string, AwsSecurityFinding>> {
    const arns = [...new Set(findings.map((finding) => finding.ProductArn ?? ''))];
    const resourceIds = [...new Set(findings.map(resourceIdOf).filter((id): id is string => id !== undefined))];
    // A typical event's findings share one resource: querying by resource costs one call for all its rules.
    const withoutResource = findings.filter((finding) => resourceIdOf(finding) === undefined).map((finding) => finding.Id ?? '');
    const base = { ProductArn: equalsFilters(arns) };
    const stored = [
      ...(await this.query(client, scope, base, 'ResourceId', resourceIds)),
      ...(await this.query(client, scope, base, 'Id', withoutResource)),
    ];
    return new Map(stored.map((finding) => [storeKey(finding), finding]));
  }

  /** Imports findings; `FailedFindings` are retried with backoff, then reported as failures. */
  private async importFindings(client: SecurityHubClient, scope: Scope, findings: readonly AwsSecurityFinding[]): Promise<ImportResult> {
    const imported = new Set<string>();
    const failures = new Map<string, FindingFailure>();
    let pending = [...findings];
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > 1) await this.sleep(this.backoff(attempt - 1));
      const retry: AwsSecurityFinding[] = [];
      for (const batch of importBatches(pending)) {
        const response: BatchImportFindingsResponse = await this.call('BatchImportFindings', scope, () =>
          client.send(new BatchImportFindingsCommand({ Findings: batch })),
        );
        const failed = new Map((response.FailedFindings ?? []).map((failure) => [failure.Id ?? '', failure]));
        // A failure count without ids: the whole batch is sent again (imports are idempotent).
        const unnamed = (response.FailedCount ?? 0) > failed.size;
        for (const finding of batch) {
          const failure = failed.get(finding.Id ?? '');
          if (!failure && !unnamed) {
            imported.add(storeKey(finding));
            failures.delete(storeKey(finding));
            continue;
          }
          const code = failure?.ErrorCode ?? 'Unknown';
          failures.set(storeKey(finding), { id: finding.Id ?? '', code, message: failure?.ErrorMessage ?? 'counted as failed without details' });
          if (!PERMANENT_FAILURES.has(code)) retry.push(finding);
        }
      }
      if (retry.length > 0 && attempt < this.maxAttempts) {
        this.log.warn('Security Hub rejected findings; retrying them', { accountId: scope.accountId, region: scope.region, attempt, ids: retry.map((finding) => finding.Id) });
        pending = retry;
      } else {
        pending = [];
      }
    }
    return { imported, failures: [...failures.values()] };
  }

  /** Sets workflow statuses, 100 ids per call; `UnprocessedFindings` are retried, then reported. */
  private async updateWorkflows(
    client: SecurityHubClient,
    scope: Scope,
    entries: readonly { finding: AwsSecurityFinding; workflow: WorkflowChange }[],
  ): Promise<{ updated: number; failures: FindingFailure[] }> {
    let updated = 0;
    const failures: FindingFailure[] = [];
    for (const status of ['RESOLVED', 'SUPPRESSED'] as const) {
      let pending: AwsSecurityFindingIdentifier[] = entries
        .filter((entry) => entry.workflow === status)
        .map((entry) => ({ Id: entry.finding.Id, ProductArn: entry.finding.ProductArn }));
      const lastFailure = new Map<string, FindingFailure>();
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        if (attempt > 1) await this.sleep(this.backoff(attempt - 1));
        const retry: AwsSecurityFindingIdentifier[] = [];
        for (const identifiers of chunk(pending, SECURITY_HUB_LIMITS.identifiersPerUpdate)) {
          const response: BatchUpdateFindingsResponse = await this.call('BatchUpdateFindings', scope, () =>
            client.send(new BatchUpdateFindingsCommand({ FindingIdentifiers: identifiers, Workflow: { Status: status } })),
          );
          const unprocessed = response.UnprocessedFindings ?? [];
          updated += identifiers.length - unprocessed.length;
          for (const failure of unprocessed) {
            const identifier: AwsSecurityFindingIdentifier = failure.FindingIdentifier ?? { Id: undefined, ProductArn: undefined };
            const id = identifier.Id ?? '';
            lastFailure.set(id, { id, code: failure.ErrorCode ?? 'Unknown', message: failure.ErrorMessage ?? '' });
            if (identifier.Id && !PERMANENT_FAILURES.has(failure.ErrorCode ?? '')) retry.push({ Id: identifier.Id, ProductArn: identifier.ProductArn });
            else failures.push(lastFailure.get(id) as FindingFailure);
          }
        }
        if (retry.length > 0 && attempt < this.maxAttempts) {
          this.log.warn('Security Hub left workflow updates unprocessed; retrying them', { status, attempt, ids: retry.map((identifier) => identifier.Id) });
          pending = retry;
        } else {
          for (const identifier of retry) failures.push(lastFailure.get(identifier.Id ?? '') as FindingFailure);
          pending = [];
        }
      }
    }
    return { updated, failures };
  }
}
