/**
 * The local findings store: SQLite through Node's built-in `node:sqlite`, with Security Hub's
 * semantics (rules.md, "Life of a finding"), so a finding's life reads the same locally as in AWS:
 * - one row per finding `Id`; an import replaces it only when its `UpdatedAt` is newer (a late or
 *   duplicate delivery is counted as stale and changes nothing, its workflow change included);
 * - an import keeps the stored `CreatedAt`/`FirstObservedAt` (the first observation) and cannot
 *   change the workflow status, except that Security Hub itself reopens a NOTIFIED or RESOLVED
 *   finding (back to NEW) when its compliance leaves PASSED or its record state goes from
 *   ARCHIVED to ACTIVE;
 * - the workflow change that follows an import (RESOLVED for PASSED, SUPPRESSED for exempt) is
 *   applied to the finding just imported;
 * - archiving a deleted resource archives every active Vigil finding on it, unless the finding is
 *   newer than the delete (the resource was re-created since).
 * Each call runs in one transaction: a crash leaves the store as it was before the call.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { archivedFinding, GENERATOR_PREFIX } from '#shared/findings/asff.ts';
import type { ArchiveRequest, AwsSecurityFinding, FindingSink, FindingUpdate, SinkReport } from '#shared/findings/types.ts';
import { emptyReport } from '#shared/findings/types.ts';
import { SEVERITIES, type Severity, severityRank } from '#shared/model.ts';

/** Bumped when the table layout changes; older files are migrated, newer ones refused. */
const SCHEMA_VERSION = 1;

export const COMPLIANCE_STATUSES = ['PASSED', 'FAILED', 'WARNING', 'NOT_AVAILABLE'] as const;
export const WORKFLOW_STATUSES = ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'] as const;
export const RECORD_STATES = ['ACTIVE', 'ARCHIVED'] as const;
/** Any of the three: `vigil findings --status` accepts them all. */
export const STATUSES = [...COMPLIANCE_STATUSES, ...WORKFLOW_STATUSES, ...RECORD_STATES] as const;
export type FindingStatus = (typeof STATUSES)[number];

export interface FindingQuery {
  ruleIds?: readonly string[];
  severities?: readonly Severity[];
  minSeverity?: Severity;
  /** Compliance, workflow or record states; values of one kind are alternatives, kinds combine. */
  statuses?: readonly FindingStatus[];
  /** Substring of the resource id (ARN). */
  resource?: string;
  /**
   * Include archived and resolved/suppressed findings. Without it, like Security Hub's default
   * view: active findings whose workflow is NEW or NOTIFIED. Any `statuses` replace the workflow
   * default (`PASSED` lists resolved findings); a record state among them replaces `ACTIVE`.
   */
  all?: boolean;
}

/** What a store call changed, finding by finding, in the order applied. */
export type StoreChange = { change: 'imported' | 'archived'; finding: AwsSecurityFinding };

export interface StoreOptions {
  /** Told about every finding as stored after an import or archive (not about stale updates). */
  onChange?: (change: StoreChange) => void;
}

export class StoreError extends Error {
  override name = 'StoreError';
}

interface Row {
  finding: string;
  updated_at: string;
  record_state?: string;
}

function time(value: string | undefined): number {
  const parsed = Date.parse(value ?? '');
  return Number.isNaN(parsed) ? Number.NEGATIVE_INFINITY : parsed;
}

function earlier(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return time(a) <= time(b) ? a : b;
}

/**
 * What an import needs of the stored finding, read by SQLite from its columns and its JSON
 * (`json_extract`) rather than by parsing the whole finding here: a run imports thousands.
 */
interface StoredForImport {
  updated_at: string;
  /** The columns hold what `write` derived from the finding: its states, defaults applied. */
  record_state: string;
  workflow_status: string;
  compliance_status: string;
  created_at: string | null;
  first_observed_at: string | null;
}

/** Security Hub's own workflow transitions on an import (Workflow, in the ASFF reference). */
function workflowAfterImport(stored: StoredForImport, imported: AwsSecurityFinding): string {
  const current = stored.workflow_status;
  if (current !== 'NOTIFIED' && current !== 'RESOLVED') return current;
  const reactivated = stored.record_state === 'ARCHIVED' && (imported.RecordState ?? 'ACTIVE') === 'ACTIVE';
  const failing = stored.compliance_status === 'PASSED' && imported.Compliance?.Status !== undefined && imported.Compliance.Status !== 'PASSED';
  return reactivated || failing ? 'NEW' : current;
}

function ruleIdOf(finding: AwsSecurityFinding): string {
  const fromFields = finding.ProductFields?.['vigil/RuleId'];
  if (fromFields) return fromFields;
  const generator = finding.GeneratorId ?? '';
  return generator.startsWith(GENERATOR_PREFIX) ? generator.slice(GENERATOR_PREFIX.length) : generator;
}

function severityOf(finding: AwsSecurityFinding): Severity {
  const label = finding.Severity?.Label;
  return (SEVERITIES as readonly string[]).includes(label ?? '') ? (label as Severity) : 'INFORMATIONAL';
}

export class SqliteFindingStore implements FindingSink {
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly onChange: ((change: StoreChange) => void) | undefined;
  private readonly selectOne: StatementSync;
  private readonly selectForImport: StatementSync;
  private readonly selectActiveOfResource: StatementSync;
  private readonly upsert: StatementSync;

  constructor(path: string, options: StoreOptions = {}) {
    this.path = path;
    this.onChange = options.onChange;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new DatabaseSync(path);
      this.migrate();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError(`cannot open the findings database ${path}: ${(error as Error).message}`);
    }
    this.selectOne = this.db.prepare('SELECT finding, updated_at, record_state FROM findings WHERE id = ?');
    this.selectForImport = this.db.prepare(
      `SELECT updated_at, record_state, workflow_status, compliance_status,
              json_extract(finding, '$.CreatedAt') AS created_at, json_extract(finding, '$.FirstObservedAt') AS first_observed_at
         FROM findings WHERE id = ?`,
    );
    this.selectActiveOfResource = this.db.prepare(
      `SELECT finding, updated_at FROM findings
        WHERE resource_id = ? AND account_id = ? AND region = ? AND record_state = 'ACTIVE' AND generator_id LIKE 'vigil/%'`,
    );
    this.upsert = this.db.prepare(
      `INSERT INTO findings (id, generator_id, rule_id, resource_id, resource_type, account_id, region, severity, severity_rank,
                             compliance_status, workflow_status, record_state, created_at, updated_at, finding)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET
         generator_id = excluded.generator_id, rule_id = excluded.rule_id, resource_id = excluded.resource_id,
         resource_type = excluded.resource_type, account_id = excluded.account_id, region = excluded.region,
         severity = excluded.severity, severity_rank = excluded.severity_rank,
         compliance_status = excluded.compliance_status, workflow_status = excluded.workflow_status,
         record_state = excluded.record_state, created_at = excluded.created_at, updated_at = excluded.updated_at,
         finding = excluded.finding`,
    );
  }

  private migrate(): void {
    const version = (this.db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    if (version > SCHEMA_VERSION) {
      throw new StoreError(`the findings database ${this.path} was written by a newer vigil (schema ${version}); upgrade vigil or use another --db`);
    }
    // WAL: readers (`vigil findings`) do not block a running evaluation, and commits are cheap.
    if (this.path !== ':memory:') this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA synchronous = NORMAL');
    if (version === SCHEMA_VERSION) return;
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS findings (
        id TEXT PRIMARY KEY,
        generator_id TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        severity TEXT NOT NULL,
        severity_rank INTEGER NOT NULL,
        compliance_status TEXT NOT NULL,
        workflow_status TEXT NOT NULL,
        record_state TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        finding TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS findings_by_resource ON findings (resource_id, record_state);
      CREATE INDEX IF NOT EXISTS findings_by_state ON findings (record_state, workflow_status, severity_rank);
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  async publish(updates: readonly FindingUpdate[]): Promise<SinkReport> {
    const report = emptyReport();
    const changes: StoreChange[] = [];
    this.transaction(() => {
      for (const update of updates) {
        const imported = update.finding;
        const id = imported.Id;
        if (!id) throw new StoreError('a finding without an Id cannot be stored');
        const stored = this.selectForImport.get(id) as StoredForImport | undefined;
        // A rule that no longer applies resolves an active finding it had and creates none.
        if (update.existingOnly && (!stored || stored.record_state === 'ARCHIVED')) continue;
        if (stored && time(imported.UpdatedAt) <= time(stored.updated_at)) {
          report.stale += 1;
          continue;
        }
        let workflow = stored ? workflowAfterImport(stored, imported) : (imported.Workflow?.Status ?? 'NEW');
        report.imported += 1;
        if (update.workflow && update.workflow !== workflow) {
          workflow = update.workflow;
          report.workflowUpdated += 1;
        }
        const createdAt = stored ? earlier(stored.created_at ?? undefined, imported.CreatedAt) : imported.CreatedAt;
        const firstObservedAt = stored ? earlier(stored.first_observed_at ?? undefined, imported.FirstObservedAt) : imported.FirstObservedAt;
        const finding: AwsSecurityFinding = {
          ...imported,
          ...(createdAt ? { CreatedAt: createdAt } : {}),
          ...(firstObservedAt ? { FirstObservedAt: firstObservedAt } : {}),
          Workflow: { Status: workflow as NonNullable<AwsSecurityFinding['Workflow']>['Status'] },
        };
        this.write(finding);
        changes.push({ change: 'imported', finding });
      }
    });
    this.tell(changes);
    return report;
  }

  async archive(requests: readonly ArchiveRequest[]): Promise<SinkReport> {
    const report = emptyReport();
    const changes: StoreChange[] = [];
    this.transaction(() => {
      for (const request of requests) {
        const rows = this.selectActiveOfResource.all(request.ref.id, request.ref.accountId, request.findingRegion) as unknown as Row[];
        for (const row of rows) {
          if (time(request.eventTime) <= time(row.updated_at)) {
            // Verdicts newer than the delete belong to a re-created resource.
            report.stale += 1;
            continue;
          }
          const finding = archivedFinding(JSON.parse(row.finding) as AwsSecurityFinding, request.eventTime, request.eventId, request.eventName);
          this.write(finding);
          report.archived += 1;
          changes.push({ change: 'archived', finding });
        }
      }
    });
    this.tell(changes);
    return report;
  }

  /** One stored finding by Id. */
  get(id: string): AwsSecurityFinding | undefined {
    const row = this.selectOne.get(id) as Row | undefined;
    return row ? (JSON.parse(row.finding) as AwsSecurityFinding) : undefined;
  }

  /** Findings matching `query`, most severe first, then by rule and resource. */
  *query(query: FindingQuery = {}): Generator<AwsSecurityFinding> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const among = (column: string, values: readonly string[]) => {
      where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
      params.push(...values);
    };
    const statuses = query.statuses ?? [];
    const compliance = statuses.filter((status) => (COMPLIANCE_STATUSES as readonly string[]).includes(status));
    const workflow = statuses.filter((status) => (WORKFLOW_STATUSES as readonly string[]).includes(status));
    const recordState = statuses.filter((status) => (RECORD_STATES as readonly string[]).includes(status));
    if (compliance.length > 0) among('compliance_status', compliance);
    if (workflow.length > 0) among('workflow_status', workflow);
    else if (!query.all && statuses.length === 0) among('workflow_status', ['NEW', 'NOTIFIED']);
    if (recordState.length > 0) among('record_state', recordState);
    else if (!query.all) among('record_state', ['ACTIVE']);
    if (query.ruleIds && query.ruleIds.length > 0) among('rule_id', query.ruleIds);
    if (query.severities && query.severities.length > 0) among('severity', query.severities);
    if (query.minSeverity) {
      where.push('severity_rank >= ?');
      params.push(severityRank(query.minSeverity));
    }
    if (query.resource) {
      where.push('instr(resource_id, ?) > 0');
      params.push(query.resource);
    }
    const sql = `SELECT finding FROM findings ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY severity_rank DESC, rule_id, resource_id, id`;
    for (const row of this.db.prepare(sql).iterate(...params) as Iterable<{ finding: string }>) {
      yield JSON.parse(row.finding) as AwsSecurityFinding;
    }
  }

  private write(finding: AwsSecurityFinding): void {
    const severity = severityOf(finding);
    this.upsert.run(
      finding.Id ?? '',
      finding.GeneratorId ?? '',
      ruleIdOf(finding),
      finding.Resources?.[0]?.Id ?? '',
      finding.Resources?.[0]?.Type ?? '',
      finding.AwsAccountId ?? '',
      finding.Region ?? '',
      severity,
      severityRank(severity),
      finding.Compliance?.Status ?? '',
      finding.Workflow?.Status ?? 'NEW',
      finding.RecordState ?? 'ACTIVE',
      finding.CreatedAt ?? '',
      finding.UpdatedAt ?? '',
      JSON.stringify(finding),
    );
  }

  private transaction(body: () => void): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      body();
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  private tell(changes: readonly StoreChange[]): void {
    if (!this.onChange) return;
    for (const change of changes) this.onChange(change);
  }
}
