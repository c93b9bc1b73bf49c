/**
 * Test support: an in-memory Security Hub behind aws-sdk-client-mock, with the behaviour the
 * sink relies on: an import that is not newer than the stored finding is ignored, imports
 * cannot change `Workflow`, a FAILED import reopens a RESOLVED finding, GetFindings filters
 * (20 values per field, 100 results per page) and BatchUpdateFindings (100 ids per call).
 */
import {
  type AwsSecurityFinding,
  type AwsSecurityFindingFilters,
  BatchImportFindingsCommand,
  type BatchImportFindingsCommandInput,
  type BatchImportFindingsResponse,
  BatchUpdateFindingsCommand,
  type BatchUpdateFindingsCommandInput,
  type BatchUpdateFindingsResponse,
  GetFindingsCommand,
  type GetFindingsCommandInput,
  type GetFindingsResponse,
  InvalidInputException,
  type SecurityHubClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type StringFilter,
} from '@aws-sdk/client-securityhub';
import type { AwsStub } from 'aws-sdk-client-mock';

type SecurityHubStub = AwsStub<ServiceInputTypes, ServiceOutputTypes, SecurityHubClientResolvedConfig>;

const SUPPORTED_FILTERS = new Set(['Id', 'ResourceId', 'AwsAccountId', 'ProductArn', 'RecordState', 'GeneratorId']);

function invalid(message: string): InvalidInputException {
  return new InvalidInputException({ message, $metadata: { httpStatusCode: 400 } });
}

function time(value: string | undefined): number {
  return value ? Date.parse(value) : Number.NEGATIVE_INFINITY;
}

function key(productArn: string | undefined, id: string | undefined): string {
  return `${productArn ?? ''}\u0000${id ?? ''}`;
}

function matches(filters: readonly StringFilter[] | undefined, values: readonly (string | undefined)[]): boolean {
  if (!filters || filters.length === 0) return true;
  return filters.some((filter) =>
    values.some((value) => {
      if (value === undefined) return false;
      if (filter.Comparison === 'EQUALS') return value === filter.Value;
      if (filter.Comparison === 'PREFIX') return value.startsWith(filter.Value ?? '');
      throw invalid(`fake Security Hub does not support ${filter.Comparison}`);
    }),
  );
}

export interface RecordedCall {
  operation: 'BatchImportFindings' | 'GetFindings' | 'BatchUpdateFindings';
  region: string;
}

export class FakeSecurityHub {
  readonly store = new Map<string, AwsSecurityFinding>();
  readonly calls: RecordedCall[] = [];

  /** Routes the mocked client's commands here. */
  attach(mock: SecurityHubStub): void {
    mock.on(BatchImportFindingsCommand).callsFake(async (input: BatchImportFindingsCommandInput, getClient) => {
      await this.record('BatchImportFindings', getClient);
      return this.batchImport(input);
    });
    mock.on(GetFindingsCommand).callsFake(async (input: GetFindingsCommandInput, getClient) => {
      await this.record('GetFindings', getClient);
      return this.getFindings(input);
    });
    mock.on(BatchUpdateFindingsCommand).callsFake(async (input: BatchUpdateFindingsCommandInput, getClient) => {
      await this.record('BatchUpdateFindings', getClient);
      return this.batchUpdate(input);
    });
  }

  private async record(operation: RecordedCall['operation'], getClient: () => { config: { region: unknown } }): Promise<void> {
    const region = getClient().config.region;
    this.calls.push({ operation, region: typeof region === 'function' ? String(await region()) : String(region) });
  }

  count(operation: RecordedCall['operation']): number {
    return this.calls.filter((call) => call.operation === operation).length;
  }

  get(productArn: string | undefined, id: string | undefined): AwsSecurityFinding | undefined {
    return this.store.get(key(productArn, id));
  }

  /** Puts a finding in the store as if imported earlier (with its own workflow). */
  seed(finding: AwsSecurityFinding): void {
    this.store.set(key(finding.ProductArn, finding.Id), this.stored(finding, finding.Workflow?.Status ?? 'NEW'));
  }

  private stored(finding: AwsSecurityFinding, workflow: string): AwsSecurityFinding {
    return {
      ...finding,
      Workflow: { Status: workflow as 'NEW' },
      ProcessedAt: new Date(0).toISOString(),
      ProductFields: {
        ...finding.ProductFields,
        'aws/securityhub/FindingId': `${finding.ProductArn}/${finding.Id}`,
        'aws/securityhub/ProductName': 'Default',
        'aws/securityhub/CompanyName': 'Personal',
      },
    };
  }

  batchImport(input: BatchImportFindingsCommandInput): BatchImportFindingsResponse {
    const findings = input.Findings ?? [];
    if (findings.length > 100) throw invalid('at most 100 findings per call');
    if (Buffer.byteLength(JSON.stringify(input)) > 6_000_000) throw invalid('request larger than 6 MB');
    const failed: NonNullable<BatchImportFindingsResponse['FailedFindings']> = [];
    for (const finding of findings) {
      // Stricter than needed, on purpose: a provider echoing Security Hub's own fields is a bug.
      const reserved = Object.keys(finding.ProductFields ?? {}).filter((name) => name.startsWith('aws/securityhub/'));
      if (reserved.length > 0 || Buffer.byteLength(JSON.stringify(finding)) > 240 * 1024) {
        failed.push({ Id: finding.Id, ErrorCode: 'InvalidInput', ErrorMessage: reserved.length ? `reserved fields ${reserved.join(', ')}` : 'finding larger than 240 KB' });
        continue;
      }
      const current = this.get(finding.ProductArn, finding.Id);
      // Security Hub keeps what it holds when the update is not newer.
      if (current && time(current.UpdatedAt) >= time(finding.UpdatedAt)) continue;
      let workflow = current?.Workflow?.Status ?? finding.Workflow?.Status ?? 'NEW';
      const reopened =
        (current?.Compliance?.Status === 'PASSED' && finding.Compliance?.Status === 'FAILED') ||
        (current?.RecordState === 'ARCHIVED' && finding.RecordState === 'ACTIVE');
      if (reopened && (workflow === 'RESOLVED' || workflow === 'NOTIFIED')) workflow = 'NEW';
      this.store.set(key(finding.ProductArn, finding.Id), this.stored(finding, workflow));
    }
    return { FailedCount: failed.length, SuccessCount: findings.length - failed.length, FailedFindings: failed };
  }

  getFindings(input: GetFindingsCommandInput): GetFindingsResponse {
    const filters: AwsSecurityFindingFilters = input.Filters ?? {};
    for (const [field, values] of Object.entries(filters)) {
      if (!SUPPORTED_FILTERS.has(field)) throw invalid(`fake Security Hub does not filter on ${field}`);
      if (Array.isArray(values) && values.length > 20) throw invalid(`at most 20 values for ${field}`);
    }
    const pageSize = input.MaxResults ?? 100;
    if (pageSize > 100) throw invalid('MaxResults above 100');
    const all = [...this.store.values()].filter(
      (finding) =>
        matches(filters.Id, [finding.Id]) &&
        matches(filters.ResourceId, (finding.Resources ?? []).map((resource) => resource.Id)) &&
        matches(filters.AwsAccountId, [finding.AwsAccountId]) &&
        matches(filters.ProductArn, [finding.ProductArn]) &&
        matches(filters.RecordState, [finding.RecordState]) &&
        matches(filters.GeneratorId, [finding.GeneratorId]),
    );
    const offset = input.NextToken ? Number(input.NextToken) : 0;
    const page = all.slice(offset, offset + pageSize).map((finding) => structuredClone(finding));
    const next = offset + pageSize < all.length ? String(offset + pageSize) : undefined;
    return { Findings: page, ...(next ? { NextToken: next } : {}) };
  }

  batchUpdate(input: BatchUpdateFindingsCommandInput): BatchUpdateFindingsResponse {
    const identifiers = input.FindingIdentifiers ?? [];
    if (identifiers.length > 100) throw invalid('at most 100 finding identifiers per call');
    const processed: NonNullable<BatchUpdateFindingsResponse['ProcessedFindings']> = [];
    const unprocessed: NonNullable<BatchUpdateFindingsResponse['UnprocessedFindings']> = [];
    for (const identifier of identifiers) {
      const current = this.get(identifier.ProductArn, identifier.Id);
      if (!current) {
        unprocessed.push({ FindingIdentifier: identifier, ErrorCode: 'FindingNotFound', ErrorMessage: 'no such finding' });
        continue;
      }
      if (input.Workflow?.Status) {
        current.Workflow = { Status: input.Workflow.Status };
      }
      processed.push(identifier);
    }
    return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
  }
}
