/**
 * The pipeline: parse → resource state (from the event, else live reads) → rules → ASFF →
 * sink. The Lambdas and the local `vigil` command both run this, with different sinks and
 * with or without live AWS access.
 */
import type { VigilConfig } from '../config.ts';
import { describeError, isAccessDenied, isNotFound } from '../aws/clients.ts';
import { type ParseResult, parseChange, type SkipReason } from '../events/cloudtrail.ts';
import { buildFinding } from '../findings/asff.ts';
import type { ArchiveRequest, FindingSink, FindingUpdate, SinkReport } from '../findings/types.ts';
import { addReports, emptyReport } from '../findings/types.ts';
import type { Change, ComplianceStatus, Severity } from '../model.ts';
import type { Registry } from '../registry.ts';
import type { AnyRule, Evaluation } from '../rules/types.ts';
import { isExempt, KINDS } from '../state/kinds.ts';
import type { AwsClients, Observation, ReaderId, ReadResult, Subject } from '../state/types.ts';
import { mergeState } from './merge.ts';

/** The logging surface the pipeline needs (Powertools' Logger is adapted to it in shared/lambda). */
export interface Log {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

export type NotEvaluatedReason = 'offline' | 'access-denied' | 'rule-error';

/** A rule that could not reach a verdict. Never turned into a PASS. */
export interface NotEvaluated {
  ruleId: string;
  resourceId: string;
  eventId: string;
  reason: NotEvaluatedReason;
  readers: readonly ReaderId[];
  detail: string;
}

/** One FAILED, non-exempt verdict of a rule the operator may have opted into remediation. */
export interface Violation {
  rule: AnyRule;
  subject: Subject;
  change: Change;
  findingId: string;
  findingRegion: string;
}

export interface ChangeOutcome {
  change: Change;
  updates: FindingUpdate[];
  archives: ArchiveRequest[];
  notEvaluated: NotEvaluated[];
  violations: Violation[];
}

export interface PipelineOptions {
  registry: Registry;
  config: VigilConfig;
  /** Live AWS access. Absent: rules that need live state are reported as not evaluated. */
  aws?: AwsClients;
  log?: Log;
  /** Region of the Security Hub receiving findings; defaults to the event's region. */
  findingRegion?: string;
}

/** Per-invocation memo: each reader runs at most once per resource. */
type ReadMemo = Map<string, Promise<ReadResult<never>>>;

class ResourceGone extends Error {}

/**
 * A rule that reached no verdict, and why. Control flow reported by its message, never by a
 * stack: an offline run throws one per rule needing live state, and capturing a stack trace cost
 * more than the verdict around it.
 */
export class NotEvaluatedError extends Error {
  readonly reason: NotEvaluatedReason;
  readonly readers: readonly ReaderId[];
  constructor(reason: NotEvaluatedReason, readers: readonly ReaderId[], detail: string) {
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(detail);
    Error.stackTraceLimit = stackTraceLimit;
    this.reason = reason;
    this.readers = readers;
  }
}

const MAX_ROUNDS = 6;

export interface DecideOptions {
  config: VigilConfig;
  /** The subject as known now (re-read after every round of reads). */
  subjectOf: () => Subject;
  /** Runs one reader and folds its result into what `subjectOf` returns. */
  read: (readerId: ReaderId) => Promise<void>;
  /** Whether live reads are possible; offline, a rule that needs one is not evaluated. */
  live: boolean;
  /** Readers already run for this subject (they are not run again). */
  alreadyRead?: Iterable<ReaderId>;
}

/**
 * Runs `rule.evaluate`, fetching the readers it asks for, until it reaches a verdict. Shared by
 * the pipeline and the remediator's re-read, so both judge a resource the same way. Throws
 * `NotEvaluatedError` when the rule cannot decide (offline, or a rule error).
 */
export async function decide(rule: AnyRule, options: DecideOptions): Promise<Exclude<Evaluation, { status: 'NEEDS' }>> {
  const ran = new Set<ReaderId>(options.alreadyRead);
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    let evaluation: Evaluation;
    try {
      evaluation = rule.evaluate(options.subjectOf(), { config: options.config });
    } catch (error) {
      throw new NotEvaluatedError('rule-error', [], `rule threw: ${describeError(error)}`);
    }
    if (evaluation.status !== 'NEEDS') return evaluation;
    const pending = evaluation.readers.filter((id) => !ran.has(id));
    const undeclared = pending.filter((id) => !rule.reads.includes(id));
    if (pending.length === 0 || undeclared.length > 0) {
      throw new NotEvaluatedError('rule-error', evaluation.readers, `rule asked for ${undeclared.length ? 'undeclared' : 'already read'} state: ${evaluation.readers.join(', ')}`);
    }
    if (!options.live) {
      throw new NotEvaluatedError('offline', pending, `needs live state (${pending.join(', ')}): ${evaluation.why}`);
    }
    for (const id of pending) {
      ran.add(id);
      await options.read(id);
    }
  }
  throw new NotEvaluatedError('rule-error', [...ran], `no verdict after ${MAX_ROUNDS} rounds of reads`);
}

/** The pipeline bound to its options. */
export class Pipeline {
  readonly log: Log;
  readonly options: PipelineOptions;

  constructor(options: PipelineOptions) {
    this.options = options;
    this.log = options.log ?? silentLog;
  }

  parse(input: unknown): ParseResult {
    return parseChange(input, this.options.registry.handles);
  }

  /** Evaluates one change. Throws only for transient AWS errors (retry the whole event). */
  async evaluateChange(change: Change, memo: ReadMemo = new Map()): Promise<ChangeOutcome> {
    const outcome: ChangeOutcome = { change, updates: [], archives: [], notEvaluated: [], violations: [] };
    const { registry } = this.options;
    const observations: Observation[] = [];
    for (const extractor of registry.extractorsFor(change.service, change.eventName)) {
      try {
        observations.push(...extractor.extract(change));
      } catch (error) {
        this.log.warn('event could not be read', { eventId: change.eventId, eventName: change.eventName, error: describeError(error) });
      }
    }
    for (const expander of registry.expandersFor(change.service, change.eventName)) {
      const aws = this.options.aws;
      if (!aws) {
        for (const kind of expander.kinds) {
          for (const rule of registry.rulesFor(kind, change.service, change.eventName)) {
            outcome.notEvaluated.push({
              ruleId: rule.id,
              resourceId: `(resources affected by ${change.eventName})`,
              eventId: change.eventId,
              reason: 'offline',
              readers: [],
              detail: `finding the resources ${change.eventName} affects needs live reads (${expander.actions.join(', ')})`,
            });
          }
        }
        continue;
      }
      try {
        observations.push(...(await expander.expand(change, aws)));
      } catch (error) {
        if (isNotFound(error)) continue;
        if (!isAccessDenied(error)) throw error;
        this.log.warn('affected resources could not be listed', { eventId: change.eventId, error: describeError(error) });
      }
    }
    {
      for (const observation of observations) {
        if (!registry.kinds.has(observation.kind)) continue;
        if (observation.deleted) {
          outcome.archives.push(this.archiveRequest(observation, change));
          continue;
        }
        await this.evaluateObservation(observation, change, memo, outcome);
      }
    }
    return outcome;
  }

  private findingRegion(change: Change): string {
    return this.options.findingRegion ?? change.region;
  }

  private archiveRequest(observation: Observation, change: Change): ArchiveRequest {
    return {
      ref: observation.ref,
      findingRegion: this.findingRegion(change),
      eventTime: change.eventTime,
      eventId: change.eventId,
      eventName: change.eventName,
    };
  }

  private async evaluateObservation(observation: Observation, change: Change, memo: ReadMemo, outcome: ChangeOutcome): Promise<void> {
    const rules = this.options.registry.rulesFor(observation.kind, change.service, change.eventName);
    if (rules.length === 0) return;
    // Live state read for this resource, shared by its rules; the event's state is laid over it.
    let live: Record<string, unknown> | undefined;
    const subjectOf = (): Subject => ({
      kind: observation.kind,
      ref: observation.ref,
      state: mergeState(live as never, observation.state as never),
    }) as Subject;
    const read = async (readerId: ReaderId): Promise<void> => {
      const result = await this.readOnce(readerId, subjectOf(), memo);
      if (!result.found) throw new ResourceGone();
      live = mergeState(live, result.state as Record<string, unknown>);
    };

    for (const rule of rules) {
      try {
        const evaluation = await decide(rule, { config: this.options.config, subjectOf, read, live: this.options.aws !== undefined });
        if (evaluation.status === 'UNAFFECTED') {
          this.log.debug('change does not concern the rule', { ruleId: rule.id, resourceId: observation.ref.id, why: evaluation.why });
          continue;
        }
        if (evaluation.status === 'NOT_APPLICABLE') {
          // Resolves a finding the rule had on this resource; creates none (see `existingOnly`).
          this.record(rule, subjectOf(), change, 'PASSED', evaluation.summary, undefined, undefined, outcome, true);
          continue;
        }
        let subject = subjectOf();
        const tagsReader = KINDS[observation.kind].tagsReader;
        const tagsKnown = (subject.state as { tags?: unknown }).tags !== undefined;
        if (evaluation.status === 'FAILED' && !tagsKnown && tagsReader && this.options.aws) {
          // Whether the resource is exempt decides SUPPRESSED and forbids remediation.
          try {
            await read(tagsReader);
            subject = subjectOf();
          } catch (error) {
            if (error instanceof ResourceGone) throw error;
            this.log.warn('tags could not be read; treating resource as not exempt', {
              ruleId: rule.id,
              resourceId: observation.ref.id,
              error: error instanceof NotEvaluatedError ? error.message : describeError(error),
            });
          }
        }
        this.record(rule, subject, change, evaluation.status, evaluation.summary, evaluation.severity, evaluation.evidence, outcome);
      } catch (error) {
        if (error instanceof ResourceGone) {
          this.log.info('resource no longer exists; archiving its findings', { resourceId: observation.ref.id, eventId: change.eventId });
          outcome.archives.push(this.archiveRequest(observation, change));
          return;
        }
        if (error instanceof NotEvaluatedError) {
          const entry: NotEvaluated = {
            ruleId: rule.id,
            resourceId: observation.ref.id,
            eventId: change.eventId,
            reason: error.reason,
            readers: error.readers,
            detail: error.message,
          };
          outcome.notEvaluated.push(entry);
          const level = error.reason === 'offline' ? 'debug' : 'warn';
          this.log[level]('rule not evaluated', { ...entry });
          if (error.reason === 'access-denied') {
            // Say so on the finding (Compliance NOT_AVAILABLE), never a PASS by default.
            const label = `${KINDS[observation.kind].label} ${observation.ref.name}`;
            const summary = `Vigil could not evaluate ${rule.id} on ${label}: ${error.message}. Grant the read to Vigil's role.`;
            this.record(rule, subjectOf(), change, 'NOT_AVAILABLE', summary, undefined, undefined, outcome);
          }
          continue;
        }
        throw error;
      }
    }
  }

  private readOnce(readerId: ReaderId, subject: Subject, memo: ReadMemo): Promise<ReadResult<never>> {
    const key = `${readerId}\u0000${subject.ref.id}`;
    const cached = memo.get(key);
    if (cached) return cached;
    const reader = this.options.registry.readers.get(readerId);
    const aws = this.options.aws;
    const pending = (async (): Promise<ReadResult<never>> => {
      if (!reader) throw new NotEvaluatedError('rule-error', [readerId], `reader ${readerId} is not available in this function`);
      if (reader.kind !== subject.kind) throw new NotEvaluatedError('rule-error', [readerId], `reader ${readerId} reads ${reader.kind}, not ${subject.kind}`);
      if (!aws) throw new NotEvaluatedError('offline', [readerId], `needs live state (${readerId})`);
      try {
        return (await reader.read(subject as never, aws)) as ReadResult<never>;
      } catch (error) {
        if (isNotFound(error)) return { found: false };
        if (isAccessDenied(error)) {
          throw new NotEvaluatedError('access-denied', [readerId], `access denied on ${readerId}: ${describeError(error)}`);
        }
        throw error;
      }
    })();
    memo.set(key, pending);
    // A failed read is not cached as a verdict: a retry of the event reads again.
    pending.catch(() => memo.delete(key));
    return pending;
  }

  private record(
    rule: AnyRule,
    subject: Subject,
    change: Change,
    status: ComplianceStatus,
    summary: string,
    severity: Severity | undefined,
    evidence: Readonly<Record<string, string>> | undefined,
    outcome: ChangeOutcome,
    existingOnly = false,
  ): void {
    const findingRegion = this.findingRegion(change);
    const finding = buildFinding({
      rule,
      subject,
      status,
      summary,
      change,
      findingRegion,
      config: this.options.config,
      ...(severity ? { severity } : {}),
      ...(evidence ? { evidence } : {}),
    });
    const exempt = isExempt((subject.state as { tags?: Readonly<Record<string, string>> }).tags, this.options.config.exemptionTagKey, rule.id);
    const update: FindingUpdate = exempt ? { finding, workflow: 'SUPPRESSED' } : status === 'PASSED' ? { finding, workflow: 'RESOLVED' } : { finding };
    outcome.updates.push(existingOnly ? { ...update, existingOnly } : update);
    if (status === 'FAILED' && !exempt) {
      outcome.violations.push({ rule, subject, change, findingId: finding.Id ?? '', findingRegion });
    }
  }
}

/**
 * Keeps one update per finding Id: the newest by `UpdatedAt` (the later one on a tie), so a
 * duplicate or late delivery inside one batch never overwrites a newer state.
 */
export function newestPerFinding(updates: readonly FindingUpdate[]): FindingUpdate[] {
  const byId = new Map<string, FindingUpdate>();
  for (const update of updates) {
    const id = update.finding.Id ?? '';
    const current = byId.get(id);
    if (!current || (current.finding.UpdatedAt ?? '') <= (update.finding.UpdatedAt ?? '')) byId.set(id, update);
  }
  return [...byId.values()];
}

export type SkipCounts = Record<SkipReason, number>;

export interface BatchResult {
  read: number;
  skipped: SkipCounts;
  evaluated: number;
  outcomes: ChangeOutcome[];
  /** Position in `inputs` of each entry of `outcomes` (same order). */
  outcomeInputs: number[];
  /** Events whose evaluation failed with an error (only when `continueOnError`), with their position in `inputs`. */
  errors: { index: number; eventId?: string; error: string }[];
  /**
   * Positions in `inputs` of evaluated events whose findings were not all published or archived
   * (only with `reportUnpublished`; the others' findings are in the sink).
   */
  unpublished: number[];
  sink: SinkReport;
  /** What was published, after de-duplication. */
  published: FindingUpdate[];
  archives: ArchiveRequest[];
}

export interface RunOptions {
  /**
   * Log an event's evaluation error, list it in `errors` and go on (the local command; the Lambda,
   * which retries just that event's message). Without it the error is thrown.
   */
  continueOnError?: boolean;
  /**
   * A sink error that names the findings it could not take (`failures[].id`, as
   * SecurityHubSinkError's do once every other finding is through) lists the inputs those findings
   * came from in `unpublished` instead of being thrown, so that only they are retried. Any other
   * sink error (throttled past its retries, unreachable, a finding of a foreign account) still
   * throws: what reached the sink is then unknown.
   */
  reportUnpublished?: boolean;
}

/** The finding Ids a sink error says it could not take, or undefined when it does not name them all. */
function rejectedFindingIds(error: unknown): Set<string> | undefined {
  const failures = typeof error === 'object' && error !== null ? (error as { failures?: unknown }).failures : undefined;
  if (!Array.isArray(failures) || failures.length === 0) return undefined;
  const ids = failures.map((failure: unknown) => (typeof failure === 'object' && failure !== null ? (failure as { id?: unknown }).id : undefined));
  return ids.every((id): id is string => typeof id === 'string' && id !== '') ? new Set(ids) : undefined;
}

/**
 * Parses, evaluates and publishes a batch of inputs (EventBridge events or CloudTrail records):
 * one read memo for the whole batch (each reader at most once per resource), and one publish and
 * one archive for all its findings, so Security Hub calls are shared by every event of the batch.
 */
export async function processBatch(pipeline: Pipeline, sink: FindingSink, inputs: readonly unknown[], run: RunOptions = {}): Promise<BatchResult> {
  const result: BatchResult = {
    read: inputs.length,
    skipped: { malformed: 0, 'failed-call': 0, 'read-only': 0, 'not-handled': 0 },
    evaluated: 0,
    outcomes: [],
    outcomeInputs: [],
    errors: [],
    unpublished: [],
    sink: emptyReport(),
    published: [],
    archives: [],
  };
  const memo: ReadMemo = new Map();
  for (const [index, input] of inputs.entries()) {
    const parsed = pipeline.parse(input);
    if (!parsed.ok) {
      result.skipped[parsed.reason] += 1;
      const level = parsed.reason === 'malformed' ? 'warn' : 'debug';
      pipeline.log[level]('event skipped', { reason: parsed.reason, detail: parsed.detail, eventId: parsed.eventId, eventName: parsed.eventName });
      continue;
    }
    try {
      result.outcomes.push(await pipeline.evaluateChange(parsed.change, memo));
      result.outcomeInputs.push(index);
      result.evaluated += 1;
    } catch (error) {
      if (!run.continueOnError) throw error;
      result.errors.push({ index, eventId: parsed.change.eventId, error: describeError(error) });
      pipeline.log.error('event could not be evaluated', { eventId: parsed.change.eventId, eventName: parsed.change.eventName, error: describeError(error) });
    }
  }
  result.published = newestPerFinding(result.outcomes.flatMap((outcome) => outcome.updates));
  result.archives = result.outcomes.flatMap((outcome) => outcome.archives);
  const unpublished = new Set<number>();
  // A rejected sink call marks the inputs it concerns: those with an update of a rejected finding
  // (any of them, not only the newest kept: conservative), or, for archives, every delete.
  const attempt = async (what: 'publish' | 'archive', send: () => Promise<SinkReport>, concerns: (outcome: ChangeOutcome, rejected: Set<string>) => boolean): Promise<void> => {
    try {
      result.sink = addReports(result.sink, await send());
    } catch (error) {
      const rejected = run.reportUnpublished ? rejectedFindingIds(error) : undefined;
      if (!rejected) throw error;
      pipeline.log.error(`the sink did not take every finding (${what}); their events will be retried`, { findings: rejected.size, error: describeError(error) });
      result.outcomes.forEach((outcome, position) => {
        if (concerns(outcome, rejected)) unpublished.add(result.outcomeInputs[position] as number);
      });
    }
  };
  if (result.published.length > 0) {
    await attempt('publish', () => sink.publish(result.published), (outcome, rejected) => outcome.updates.some((update) => rejected.has(update.finding.Id ?? '')));
  }
  if (result.archives.length > 0) {
    await attempt('archive', () => sink.archive(result.archives), (outcome) => outcome.archives.length > 0);
  }
  result.unpublished = [...unpublished].sort((a, b) => a - b);
  return result;
}
