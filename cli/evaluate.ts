/**
 * `vigil evaluate`: CloudTrail events from files, directories or standard input through the same
 * pipeline the Lambdas run, into the local store (or Security Hub with `--aws`).
 *
 * Built for whole CloudTrail archives, which are mostly calls Vigil does not judge: each record
 * is looked at with `peekedRecord` + `registry.handles()` first, without validation, and only the
 * few handled ones are gathered into batches of `batchSize` for `processBatch` (which validates,
 * evaluates, keeps the newest verdict per finding and publishes once per batch). Memory stays
 * bounded by one input piece and one batch, whatever the input size.
 */
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { createClientCache } from '#shared/aws/clients.ts';
import type { VigilConfig } from '#shared/config.ts';
import type { SkipReason } from '#shared/events/cloudtrail.ts';
import { addReports, type AwsSecurityFinding, emptyReport, type FindingSink, type SinkReport } from '#shared/findings/types.ts';
import { severityRank, type Severity } from '#shared/model.ts';
import { type Log, type NotEvaluatedReason, Pipeline, processBatch, type SkipCounts } from '#shared/pipeline/evaluate.ts';
import { createRegistry, type Registry, type RegistryInput } from '#shared/registry.ts';
import { RULES } from '#shared/rules/index.ts';
import type { AnyRule } from '#shared/rules/types.ts';
import { EXPANDERS, EXTRACTORS } from '#shared/sources/extractors.ts';
import type { AwsClients } from '#shared/state/types.ts';
import { collectInputs } from './inputs.ts';
import { displayStatus, findingLine, findingRow, formatCount, type Output, plural, renderTable, shortResource } from './output.ts';
import { ProgressBar } from './progress.ts';
import { type ReadEvents, readInputs } from './reader.ts';
import { SqliteFindingStore } from './store.ts';

export const DEFAULT_DB = '.vigil/findings.db';
export const DEFAULT_BATCH_SIZE = 500;
/** Messages of one kind printed before the rest are held back (all with `--verbose`). */
const MESSAGE_LIMIT = 20;
/** Rows of the "not evaluated" list printed without `--verbose`. */
const NOT_EVALUATED_ROWS = 25;

export type Format = 'table' | 'json';

export interface CliIo {
  stdout: Output;
  stderr: Output;
  stdin: Readable;
  stdinIsTTY?: boolean;
  /** Standard error as a stream, for the progress bar (only when it is a terminal). */
  progressStream?: NodeJS.WritableStream;
  cwd: string;
}

export interface EvaluateOptions {
  paths: readonly string[];
  format: Format;
  config: VigilConfig;
  /** The local store, as given (relative to `cwd`); with `aws`, given only when the user asked for it. */
  db?: string;
  aws: boolean;
  findingRegion?: string;
  progress: boolean;
  verbose: boolean;
}

export interface EvaluateDeps {
  /** Rules, extractors, expanders and readers; the whole catalogue unless given (tests give their own). */
  catalogue?: Omit<RegistryInput, 'service' | 'disabledRules'>;
  /** Live AWS clients for `--aws` (tests give mocked ones). */
  clients?: AwsClients;
  /** The Security Hub sink for `--aws` without `--db`. */
  securityHubSink?: (clients: AwsClients, log: Log) => FindingSink | Promise<FindingSink>;
  /** Handled records per `processBatch` (default `DEFAULT_BATCH_SIZE`). */
  batchSize?: number;
}

interface NotEvaluatedRow {
  ruleId: string;
  resourceId: string;
  reason: NotEvaluatedReason;
  readers: Set<string>;
  detail: string;
  events: number;
}

interface Tally {
  read: number;
  skipped: SkipCounts;
  evaluated: number;
  failedEvents: number;
  sink: SinkReport;
  notEvaluated: Map<string, NotEvaluatedRow>;
  inputsWithErrors: number;
}

/** Messages to standard error, each kind capped, kept clear of the progress bar. */
class Notices {
  private readonly stderr: Output;
  private readonly verbose: boolean;
  private readonly counts = new Map<string, number>();
  progress: ProgressBar | undefined;
  constructor(stderr: Output, verbose: boolean) {
    this.stderr = stderr;
    this.verbose = verbose;
  }

  say(kind: string, message: string, always = false): void {
    const count = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, count);
    const capped = !always && !this.verbose;
    if (capped && count > MESSAGE_LIMIT) return;
    this.progress?.clearLine();
    this.stderr.write(`vigil: ${message}\n`);
    if (capped && count === MESSAGE_LIMIT) this.stderr.write(`vigil: further messages like the one above are not shown (--verbose shows them all)\n`);
  }
}

function extraText(extra: Record<string, unknown> | undefined): string {
  if (!extra) return '';
  const parts = Object.entries(extra)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function pipelineLog(notices: Notices, verbose: boolean): Log {
  return {
    debug: (message, extra) => {
      if (verbose) notices.say('debug', `debug: ${message}${extraText(extra)}`, true);
    },
    info: (message, extra) => {
      if (verbose) notices.say('info', `${message}${extraText(extra)}`, true);
    },
    warn: (message, extra) => notices.say(`warn:${message}`, `warning: ${message}${extraText(extra)}`),
    error: (message, extra) => notices.say(`error:${message}`, `error: ${message}${extraText(extra)}`),
  };
}

/** What the run keeps of a finding it touched: small, so that a run over millions of events stays small. */
interface Touched {
  status: string;
  updatedAt: string;
  rank: number;
  ruleId: string;
  resourceId: string;
  /** The table row, for findings still failing (active, not PASSED). */
  row?: string[];
}

function touchedOf(finding: AwsSecurityFinding, rules: ReadonlyMap<string, AnyRule>): Touched {
  const status = displayStatus(finding);
  const failing = finding.RecordState !== 'ARCHIVED' && finding.Compliance?.Status !== 'PASSED';
  return {
    status,
    updatedAt: finding.UpdatedAt ?? '',
    rank: severityRank((finding.Severity?.Label ?? 'INFORMATIONAL') as Severity),
    ruleId: finding.ProductFields?.['vigil/RuleId'] ?? '',
    resourceId: finding.Resources?.[0]?.Id ?? '',
    ...(failing ? { row: findingRow(finding, rules) } : {}),
  };
}

function byRank(a: Touched, b: Touched): number {
  return b.rank - a.rank || a.ruleId.localeCompare(b.ruleId) || a.resourceId.localeCompare(b.resourceId);
}

/** Runs `vigil evaluate`; returns the exit code (0 all read and evaluated, 1 some input or event failed). */
export async function runEvaluate(options: EvaluateOptions, io: CliIo, deps: EvaluateDeps = {}): Promise<number> {
  const started = performance.now();
  const notices = new Notices(io.stderr, options.verbose);
  const log = pipelineLog(notices, options.verbose);
  // Readers (and the SDK clients they import) are loaded only when they can be used: offline, a
  // rule that needs live state is reported as not evaluated before any reader is looked up.
  const readers = options.aws ? (await import('#shared/sources/readers.ts')).ALL_READERS : [];
  const catalogue = deps.catalogue ?? { rules: RULES, extractors: EXTRACTORS, expanders: EXPANDERS, readers };
  const registry: Registry = createRegistry({ ...catalogue, disabledRules: options.config.disabledRules });
  const rulesById = new Map<string, AnyRule>(registry.rules.map((rule) => [rule.id, rule]));

  const { inputs, problems } = await collectInputs(options.paths.length > 0 ? options.paths : ['-'], io.cwd);
  const tally: Tally = {
    read: 0,
    skipped: { malformed: 0, 'failed-call': 0, 'read-only': 0, 'not-handled': 0 },
    evaluated: 0,
    failedEvents: 0,
    sink: emptyReport(),
    notEvaluated: new Map(),
    inputsWithErrors: problems.length,
  };
  for (const problem of problems) notices.say('input', `${problem.name}: ${problem.message}`, true);

  // Findings this run touched, by Id, as they stand after it: what the table and counts show.
  const touched = new Map<string, Touched>();
  const touch = (finding: AwsSecurityFinding) => touched.set(finding.Id ?? '', touchedOf(finding, rulesById));
  const json = options.format === 'json';
  const clients = options.aws ? (deps.clients ?? createClientCache()) : undefined;
  let store: SqliteFindingStore | undefined;
  let sink: FindingSink;
  if (options.aws && options.db === undefined) {
    const make =
      deps.securityHubSink ??
      (async (awsClients: AwsClients, sinkLog: Log) => {
        const { SecurityHubSink } = await import('#shared/findings/securityhub.ts');
        return new SecurityHubSink({ clients: awsClients, log: sinkLog });
      });
    sink = await make(clients as AwsClients, log);
  } else {
    const db = options.db ?? DEFAULT_DB;
    store = new SqliteFindingStore(db === ':memory:' ? db : resolve(io.cwd, db), {
      onChange: ({ finding }) => {
        // Called in the order the store applies changes: the last call per Id is the final state.
        touch(finding);
        if (json) io.stdout.write(findingLine(finding));
      },
    });
    sink = store;
  }

  const pipeline = new Pipeline({
    registry,
    config: options.config,
    log,
    ...(clients ? { aws: clients } : {}),
    ...(options.findingRegion ? { findingRegion: options.findingRegion } : {}),
  });

  const batchSize = deps.batchSize ?? DEFAULT_BATCH_SIZE;
  let batch: unknown[] = [];
  let publishError: unknown;

  const flush = async (): Promise<void> => {
    if (batch.length === 0 || publishError !== undefined) return;
    const inputsOfBatch = batch;
    batch = [];
    let result;
    try {
      result = await processBatch(pipeline, sink, inputsOfBatch, { continueOnError: true });
    } catch (error) {
      // Only the sink throws here (events' own errors are collected): nothing more can be stored.
      publishError = error;
      return;
    }
    for (const reason of Object.keys(result.skipped) as SkipReason[]) tally.skipped[reason] += result.skipped[reason];
    tally.evaluated += result.evaluated;
    tally.failedEvents += result.errors.length;
    tally.sink = addReports(tally.sink, result.sink);
    for (const outcome of result.outcomes) {
      for (const entry of outcome.notEvaluated) {
        const key = `${entry.ruleId}\u0000${entry.resourceId}\u0000${entry.reason}`;
        const row = tally.notEvaluated.get(key);
        if (row) {
          row.events += 1;
          for (const reader of entry.readers) row.readers.add(reader);
        } else {
          tally.notEvaluated.set(key, { ruleId: entry.ruleId, resourceId: entry.resourceId, reason: entry.reason, readers: new Set(entry.readers), detail: entry.detail, events: 1 });
        }
      }
    }
    if (!store) {
      // Security Hub: what was sent, with the workflow status it was given after the import.
      for (const update of result.published) {
        const finding: AwsSecurityFinding = update.workflow ? { ...update.finding, Workflow: { Status: update.workflow } } : update.finding;
        const id = finding.Id ?? '';
        const previous = touched.get(id);
        if (!previous || previous.updatedAt <= (finding.UpdatedAt ?? '')) touch(finding);
        if (json) io.stdout.write(findingLine(finding));
      }
    }
  };

  const totalBytes = inputs.reduce((sum, input) => sum + (input.kind === 'file' ? input.size : 0), 0);
  const allFiles = inputs.every((input) => input.kind === 'file');
  const progress = new ProgressBar(options.progress && allFiles ? io.progressStream : undefined, totalBytes);
  notices.progress = progress;

  const events: ReadEvents = {
    handled: (record) => {
      tally.read += 1;
      batch.push(record);
    },
    skipped: (reason) => {
      tally.read += 1;
      tally.skipped[reason] += 1;
    },
    notice: (kind, message, always) => notices.say(kind, message, always),
    inputDone: (withErrors) => {
      if (withErrors) tally.inputsWithErrors += 1;
    },
    drain: async (rawBytesDone) => {
      if (batch.length >= batchSize) await flush();
      progress.update(rawBytesDone, tally.read, touched.size);
    },
    stopped: () => publishError !== undefined,
  };
  try {
    await readInputs(inputs, io.stdin, registry.handles, events);
    await flush();
  } finally {
    progress.stop();
    store?.close();
  }

  if (publishError !== undefined) {
    const message = publishError instanceof Error ? publishError.message : String(publishError);
    notices.say('publish', `error: findings could not be ${store ? 'stored' : 'published'}; stopped reading: ${message}`, true);
  }

  const outcomes = [...touched.values()];

  const summaryOut = json ? io.stderr : io.stdout;
  if (!json) {
    const failing = outcomes.filter((outcome) => outcome.row !== undefined).sort(byRank);
    if (failing.length > 0) {
      renderTable(
        failing.map((outcome) => outcome.row ?? []),
        io.stdout,
      );
      io.stdout.write('\n');
    }
  }
  writeSummary(summaryOut, {
    tally,
    statuses: outcomes.map((outcome) => outcome.status),
    inputs: inputs.length,
    allFiles,
    seconds: (performance.now() - started) / 1000,
    destination: !store ? 'published to Security Hub' : options.db === ':memory:' ? 'kept in memory only' : `stored in ${options.db ?? DEFAULT_DB}`,
    live: options.aws,
    verbose: options.verbose,
  });

  const failed = tally.inputsWithErrors > 0 || tally.failedEvents > 0 || publishError !== undefined;
  return failed ? 1 : 0;
}

interface SummaryInput {
  tally: Tally;
  /** Where each finding the run touched stands (`displayStatus`). */
  statuses: readonly string[];
  inputs: number;
  allFiles: boolean;
  seconds: number;
  destination: string;
  live: boolean;
  verbose: boolean;
}

const SKIP_LABELS: Record<SkipReason, [string, string]> = {
  'read-only': ['read-only', 'read-only'],
  'failed-call': ['failed call', 'failed calls'],
  'not-handled': ['not handled', 'not handled'],
  malformed: ['malformed', 'malformed'],
};

function writeSummary(out: Output, summary: SummaryInput): void {
  const { tally } = summary;
  const rate = summary.seconds >= 1 ? ` (${formatCount(Math.round(tally.read / summary.seconds))} events/s)` : '';
  out.write(`Read ${plural(tally.read, 'event')} from ${plural(summary.inputs, summary.allFiles ? 'file' : 'input')} in ${summary.seconds.toFixed(1)} s${rate}.\n`);
  const skippedTotal = Object.values(tally.skipped).reduce((sum, count) => sum + count, 0);
  if (skippedTotal > 0) {
    const parts = (Object.keys(SKIP_LABELS) as SkipReason[])
      .filter((reason) => tally.skipped[reason] > 0)
      .map((reason) => `${formatCount(tally.skipped[reason])} ${SKIP_LABELS[reason][tally.skipped[reason] === 1 ? 0 : 1]}`);
    out.write(`Skipped ${formatCount(skippedTotal)}: ${parts.join(', ')}.\n`);
  }
  const byStatus = new Map<string, number>();
  for (const status of summary.statuses) byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  const order = ['FAILED', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED', 'PASSED', 'ARCHIVED'];
  const statusParts = order.filter((status) => byStatus.has(status)).map((status) => `${formatCount(byStatus.get(status) ?? 0)} ${status}`);
  const stale = tally.sink.stale > 0 ? `; ${plural(tally.sink.stale, 'update')} older than the stored finding ignored` : '';
  out.write(
    `Evaluated ${plural(tally.evaluated, 'change')}: ${statusParts.length > 0 ? `findings ${statusParts.join(', ')}` : 'no findings'}${stale}` +
      `${summary.statuses.length > 0 ? ` (${summary.destination})` : ''}.\n`,
  );
  if (tally.failedEvents > 0) out.write(`${plural(tally.failedEvents, 'event')} could not be evaluated (see the errors above).\n`);

  const rows = [...tally.notEvaluated.values()].sort((a, b) => a.ruleId.localeCompare(b.ruleId) || a.resourceId.localeCompare(b.resourceId));
  const headings: Record<NotEvaluatedReason, string> = {
    offline: summary.live ? 'Not evaluated, live state unavailable' : 'Not evaluated without live AWS state (run with --aws to read it)',
    'access-denied': 'Not evaluated, access denied to the live state',
    'rule-error': 'Not evaluated, the rule failed',
  };
  for (const reason of ['offline', 'access-denied', 'rule-error'] as NotEvaluatedReason[]) {
    const ofReason = rows.filter((row) => row.reason === reason);
    if (ofReason.length === 0) continue;
    out.write(`${headings[reason]}: ${plural(ofReason.length, 'rule on a resource', 'rules on resources')}\n`);
    const shown = summary.verbose ? ofReason : ofReason.slice(0, NOT_EVALUATED_ROWS);
    renderTable(
      shown.map((row) => [
        `  ${row.ruleId}`,
        shortResource(row.resourceId),
        reason === 'offline' && row.readers.size > 0 ? [...row.readers].join(', ') : row.detail,
      ]),
      out,
      ['  RULE', 'RESOURCE', reason === 'offline' ? 'NEEDS' : 'WHY'],
    );
    if (shown.length < ofReason.length) out.write(`  … and ${formatCount(ofReason.length - shown.length)} more (--verbose lists them all)\n`);
  }
  if (tally.inputsWithErrors > 0) out.write(`${plural(tally.inputsWithErrors, 'input')} could not be read in full (see the messages above).\n`);
}
