/** What the `vigil` command prints: finding tables, JSON lines, and plain numbers. */
import type { AwsSecurityFinding } from '#shared/findings/types.ts';
import type { AnyRule } from '#shared/rules/types.ts';

/** Where output goes; the real process streams, or strings in tests. */
export interface Output {
  write(text: string): void;
  /** Set when the output is a terminal. */
  isTTY?: boolean;
  columns?: number;
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/** The part of an ARN after its account (`cluster/prod-1`, `role/app`); other ids as they are. */
export function shortResource(id: string): string {
  if (!id.startsWith('arn:')) return id;
  let index = -1;
  for (let colon = 0; colon < 5; colon += 1) {
    index = id.indexOf(':', index + 1);
    if (index === -1) return id;
  }
  return id.slice(index + 1);
}

export function ruleIdOf(finding: AwsSecurityFinding): string {
  return finding.ProductFields?.['vigil/RuleId'] ?? finding.GeneratorId ?? '';
}

/** The verdict sentence: the description without the rule's own description after it. */
export function whatIsWrong(finding: AwsSecurityFinding, rules: ReadonlyMap<string, AnyRule>): string {
  const description = finding.Description ?? '';
  const rule = rules.get(ruleIdOf(finding));
  if (rule && description.endsWith(` ${rule.description}`)) return description.slice(0, description.length - rule.description.length - 1);
  const sentence = /^.*?[.!?](\s|$)/.exec(description);
  return (sentence ? sentence[0] : description).trim();
}

/** One word for where a finding stands: FAILED, PASSED, SUPPRESSED, RESOLVED, NOTIFIED or ARCHIVED. */
export function displayStatus(finding: AwsSecurityFinding): string {
  if (finding.RecordState === 'ARCHIVED') return 'ARCHIVED';
  const workflow = finding.Workflow?.Status ?? 'NEW';
  const compliance = finding.Compliance?.Status ?? 'FAILED';
  if (workflow === 'SUPPRESSED') return 'SUPPRESSED';
  if (compliance === 'PASSED') return 'PASSED';
  if (workflow === 'RESOLVED' || workflow === 'NOTIFIED') return workflow;
  return compliance;
}

const HEADERS = ['SEVERITY', 'RULE', 'STATUS', 'RESOURCE', 'ACCOUNT/REGION', 'WHAT IS WRONG'] as const;

export function findingRow(finding: AwsSecurityFinding, rules: ReadonlyMap<string, AnyRule>): string[] {
  return [
    finding.Severity?.Label ?? '',
    ruleIdOf(finding),
    displayStatus(finding),
    shortResource(finding.Resources?.[0]?.Id ?? ''),
    `${finding.AwsAccountId ?? ''}/${finding.Region ?? ''}`,
    whatIsWrong(finding, rules),
  ];
}

/** A plain-text table. On a terminal, the last column is cut to the terminal's width. */
export function renderTable(rows: readonly (readonly string[])[], out: Output, headers: readonly string[] = HEADERS): void {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const last = headers.length - 1;
  const fixed = widths.slice(0, last).reduce((sum, width) => sum + width + 2, 0);
  const limit = out.isTTY && out.columns ? Math.max(20, out.columns - fixed) : Number.POSITIVE_INFINITY;
  const line = (cells: readonly string[]) => {
    const padded = cells.map((cell, column) => {
      if (column < last) return cell.padEnd(widths[column] ?? 0);
      return cell.length > limit ? `${cell.slice(0, limit - 1)}…` : cell;
    });
    return `${padded.join('  ').trimEnd()}\n`;
  };
  out.write(line(headers));
  for (const row of rows) out.write(line(row));
}

/** Findings as JSON lines: one complete ASFF finding per line. */
export function findingLine(finding: AwsSecurityFinding): string {
  return `${JSON.stringify(finding)}\n`;
}
