/**
 * The `vigil` command: arguments in, exit code out. `bin/vigil.js` calls `main` with the real
 * process streams; tests call it with their own.
 *
 * Exit codes: 0 done; 1 some input could not be read, an event could not be evaluated, or
 * findings could not be stored or published; 2 the command line, configuration or database is
 * wrong (nothing was done).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, defaultConfig, type VigilConfig } from '#shared/config.ts';
import { SEVERITIES, type Severity } from '#shared/model.ts';
import { DEFAULT_CONFIG_FILE, loadConfigFile } from './config-file.ts';
import { type CliIo, DEFAULT_DB, type EvaluateDeps, type Format, runEvaluate } from './evaluate.ts';
import { runFindings } from './findings.ts';
import { type FindingStatus, STATUSES, StoreError } from './store.ts';

export type { CliIo } from './evaluate.ts';

const USAGE = `Usage: vigil <command> [options]

Commands:
  evaluate [path...]   Evaluate CloudTrail events (files, directories, standard input)
  findings             List the findings in the local store

vigil evaluate [options] [path...]
  Reads EventBridge events, CloudTrail records, CloudTrail log files ({"Records":[...]},
  also .json.gz), JSON lines and directories (recursively). No path, or "-", reads
  standard input. Findings go to a local SQLite store with Security Hub's semantics.

  -f, --format table|json   table on a terminal, JSON lines otherwise: one ASFF finding
                            per line as imported (with its final workflow status); the
                            summary then goes to standard error
      --db PATH             local store (default ${DEFAULT_DB}; ":memory:" keeps nothing)
  -c, --config FILE         configuration, JSON or YAML (default: ${DEFAULT_CONFIG_FILE} if present)
      --aws                 read live state with the ambient AWS credentials (and
                            AWS_ENDPOINT_URL) and publish to Security Hub; with --db,
                            read live state but keep findings in the local store
      --finding-region R    region of the Security Hub receiving findings (default: each
                            event's own region)
      --no-progress         no progress bar on standard error
  -v, --verbose             every message, and every rule left unevaluated

vigil findings [options]
  Lists current findings: active, with workflow NEW or NOTIFIED, most severe first.

      --db PATH             local store (default ${DEFAULT_DB})
      --rule ID[,ID...]     only these rules (e.g. EKS.1)
      --severity S[,S...]   only these severities (${SEVERITIES.join(', ')})
      --min-severity S      only this severity and above
      --status S[,S...]     compliance (PASSED, FAILED), workflow (NEW, NOTIFIED, RESOLVED,
                            SUPPRESSED) or record state (ACTIVE, ARCHIVED)
      --resource TEXT       only resources whose id (ARN) contains TEXT
      --all                 include archived, resolved and suppressed findings
  -f, --format table|json   as for evaluate

  -h, --help                this help
      --version             vigil's version

Exit status: 0 done; 1 an input could not be read in full, an event could not be
evaluated, or findings could not be stored or published; 2 bad command line,
configuration or database (nothing done).
`;

class UsageError extends Error {
  override name = 'UsageError';
}

function version(): string {
  const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version?: string };
  return manifest.version ?? 'unknown';
}

function listOf(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(',')).map((value) => value.trim()).filter((value) => value.length > 0);
}

function formatOf(value: string | undefined, io: CliIo): Format {
  if (value === undefined) return io.stdout.isTTY ? 'table' : 'json';
  if (value === 'table' || value === 'json') return value;
  throw new UsageError(`--format must be "table" or "json", not "${value}"`);
}

function severityOf(value: string, option: string): Severity {
  const upper = value.toUpperCase();
  if (!(SEVERITIES as readonly string[]).includes(upper)) throw new UsageError(`${option} must be one of ${SEVERITIES.join(', ')}, not "${value}"`);
  return upper as Severity;
}

function statusOf(value: string): FindingStatus {
  const upper = value.toUpperCase();
  if (!(STATUSES as readonly string[]).includes(upper)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}, not "${value}"`);
  return upper as FindingStatus;
}

async function configOf(file: string | undefined, io: CliIo): Promise<VigilConfig> {
  if (file !== undefined) return loadConfigFile(file, io.cwd);
  if (existsSync(resolve(io.cwd, DEFAULT_CONFIG_FILE))) return loadConfigFile(DEFAULT_CONFIG_FILE, io.cwd);
  return defaultConfig;
}

async function evaluateCommand(args: string[], io: CliIo, deps: EvaluateDeps): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string', short: 'f' },
      db: { type: 'string' },
      config: { type: 'string', short: 'c' },
      aws: { type: 'boolean', default: false },
      'finding-region': { type: 'string' },
      'no-progress': { type: 'boolean', default: false },
      verbose: { type: 'boolean', short: 'v', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const readsStdin = positionals.length === 0 || positionals.includes('-');
  if (positionals.length === 0 && io.stdinIsTTY) throw new UsageError('no input: give files or directories, or pipe events to standard input');
  if (readsStdin && positionals.filter((path) => path === '-').length > 1) throw new UsageError('standard input ("-") can be read only once');
  const findingRegion = values['finding-region'];
  if (findingRegion !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(findingRegion)) throw new UsageError(`--finding-region must be an AWS region such as eu-west-1, not "${findingRegion}"`);
  if (findingRegion !== undefined && !values.aws) throw new UsageError('--finding-region applies only with --aws');
  return runEvaluate(
    {
      paths: positionals,
      format: formatOf(values.format, io),
      config: await configOf(values.config, io),
      // With --aws, findings go to Security Hub unless a local store is asked for.
      ...(values.db !== undefined ? { db: values.db } : values.aws ? {} : { db: DEFAULT_DB }),
      aws: values.aws,
      ...(findingRegion ? { findingRegion } : {}),
      progress: !values['no-progress'],
      verbose: values.verbose,
    },
    io,
    deps,
  );
}

function findingsCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      db: { type: 'string', default: DEFAULT_DB },
      rule: { type: 'string', multiple: true },
      severity: { type: 'string', multiple: true },
      'min-severity': { type: 'string' },
      status: { type: 'string', multiple: true },
      resource: { type: 'string' },
      all: { type: 'boolean', default: false },
      format: { type: 'string', short: 'f' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`vigil findings takes no paths (got "${positionals[0]}")`);
  const minSeverity = values['min-severity'];
  return runFindings(
    {
      db: values.db,
      format: formatOf(values.format, io),
      ruleIds: listOf(values.rule).map((id) => id.toUpperCase()),
      severities: listOf(values.severity).map((value) => severityOf(value, '--severity')),
      ...(minSeverity !== undefined ? { minSeverity: severityOf(minSeverity, '--min-severity') } : {}),
      statuses: listOf(values.status).map(statusOf),
      ...(values.resource ? { resource: values.resource } : {}),
      all: values.all,
    },
    io,
  );
}

/** Runs the command line `argv` (without `node` and the script); returns the exit code. */
export async function main(argv: readonly string[], io: CliIo, deps: EvaluateDeps = {}): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      io.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version') {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    if (command === 'evaluate') return await evaluateCommand(rest, io, deps);
    if (command === 'findings') return findingsCommand(rest, io);
    throw new UsageError(`unknown command "${command}" (commands: evaluate, findings)`);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (error as { code?: unknown }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || (error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      io.stderr.write(`vigil: ${(error as Error).message}\nRun "vigil --help" for the options.\n`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof StoreError) {
      io.stderr.write(`vigil: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
