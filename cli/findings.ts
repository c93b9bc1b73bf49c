/** `vigil findings`: the findings in the local store, filtered, as a table or JSON lines. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Severity } from '#shared/model.ts';
import { RULES } from '#shared/rules/index.ts';
import type { AnyRule } from '#shared/rules/types.ts';
import type { CliIo, Format } from './evaluate.ts';
import { findingLine, findingRow, plural, renderTable } from './output.ts';
import { type FindingQuery, type FindingStatus, SqliteFindingStore } from './store.ts';

export interface FindingsOptions {
  db: string;
  format: Format;
  ruleIds: readonly string[];
  severities: readonly Severity[];
  minSeverity?: Severity;
  statuses: readonly FindingStatus[];
  resource?: string;
  all: boolean;
}

/** Lists findings; returns the exit code (2 when there is no store to read). */
export function runFindings(options: FindingsOptions, io: CliIo, rules: readonly AnyRule[] = RULES): number {
  if (options.db !== ':memory:' && !existsSync(resolve(io.cwd, options.db))) {
    io.stderr.write(`vigil: no findings database at ${options.db}: run "vigil evaluate" first, or give --db\n`);
    return 2;
  }
  const store = new SqliteFindingStore(resolve(io.cwd, options.db));
  try {
    const query: FindingQuery = {
      ruleIds: options.ruleIds,
      severities: options.severities,
      statuses: options.statuses,
      all: options.all,
      ...(options.minSeverity ? { minSeverity: options.minSeverity } : {}),
      ...(options.resource ? { resource: options.resource } : {}),
    };
    if (options.format === 'json') {
      for (const finding of store.query(query)) io.stdout.write(findingLine(finding));
      return 0;
    }
    const rulesById = new Map(rules.map((rule) => [rule.id, rule]));
    const rows = [...store.query(query)].map((finding) => findingRow(finding, rulesById));
    const hint = options.all || options.statuses.length > 0 ? '' : ' (--all includes archived, resolved and suppressed ones)';
    if (rows.length === 0) {
      io.stdout.write(`No findings match${hint}.\n`);
      return 0;
    }
    renderTable(rows, io.stdout);
    io.stdout.write(`\n${plural(rows.length, 'finding')}${hint}.\n`);
    return 0;
  } finally {
    store.close();
  }
}
