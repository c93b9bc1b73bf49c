/**
 * The Lambda bundles, built with the deployment's own esbuild options (`scripts/bundle-options.mjs`):
 * their minified size, and their cold initialisation: a fresh `node` importing the bundle, which
 * constructs the handler (configuration, registry, clients), timed from inside that process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import type { BuildOptions } from 'esbuild';

export const FUNCTIONS = ['iam', 'eks', 'ec2', 'emr-containers', 'remediate'] as const;

export interface BundleFigures {
  name: string;
  bytes: number;
  gzipBytes: number;
  /** Median over the runs: import of the bundle, handler construction included. */
  initMs: number;
  /** Median over the runs: the whole `node` process, start to exit. */
  processMs: number;
  error?: string;
}

/** What a Lambda's environment gives the handler at cold start (no network use at init). */
export const LAMBDA_ENV: Readonly<Record<string, string>> = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCHMARK',
  AWS_SECRET_ACCESS_KEY: 'benchmark',
  AWS_SESSION_TOKEN: 'benchmark',
  VIGIL_CONFIG: '{}',
  VIGIL_REMEDIATOR_ROLE_ARN: 'arn:aws:iam::111122223333:role/vigil/vigil-remediator',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  AWS_LAMBDA_FUNCTION_NAME: 'vigil-benchmark',
};

const INIT_PROBE = `
const started = performance.now();
const module = await import(process.argv[1]);
const initMs = performance.now() - started;
if (typeof module.handler !== 'function') throw new Error('the bundle exports no handler function');
process.stdout.write(JSON.stringify({ initMs }));
`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export async function loadEsbuildOptions(repo: string): Promise<BuildOptions | undefined> {
  const path = join(repo, 'scripts', 'bundle-options.mjs');
  if (!existsSync(path)) return undefined;
  const module = (await import(pathToFileURL(path).href)) as { esbuildOptions?: () => BuildOptions };
  return module.esbuildOptions?.();
}

export async function measureBundles(repo: string, outDir: string, runs: number): Promise<BundleFigures[]> {
  const options = await loadEsbuildOptions(repo);
  if (!options) throw new Error('scripts/bundle-options.mjs (esbuildOptions) is missing: the bundles cannot be built as deployed');
  const { build } = await import('esbuild');
  const figures: BundleFigures[] = [];
  for (const name of FUNCTIONS) {
    const entry = join(repo, 'functions', `${name}.ts`);
    if (!existsSync(entry)) continue;
    const outfile = join(outDir, `${name}.mjs`);
    try {
      await build({ ...options, entryPoints: [entry], outfile, absWorkingDir: repo, logLevel: 'silent', write: true });
    } catch (error) {
      figures.push({ name, bytes: 0, gzipBytes: 0, initMs: Number.NaN, processMs: Number.NaN, error: `build failed: ${(error as Error).message.split('\n')[0]}` });
      continue;
    }
    const bytes = statSync(outfile).size;
    const gzipBytes = gzipSync(readFileSync(outfile)).length;
    const inits: number[] = [];
    const processes: number[] = [];
    let error: string | undefined;
    for (let run = 0; run < runs; run += 1) {
      const started = performance.now();
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', INIT_PROBE, outfile], {
        env: { PATH: process.env.PATH ?? '', ...LAMBDA_ENV },
        encoding: 'utf8',
      });
      const processMs = performance.now() - started;
      if (child.status !== 0) {
        error = `init failed: ${(child.stderr || child.stdout).trim().split('\n').slice(-1)[0] ?? ''}`;
        break;
      }
      inits.push((JSON.parse(child.stdout) as { initMs: number }).initMs);
      processes.push(processMs);
    }
    figures.push({
      name,
      bytes,
      gzipBytes,
      initMs: inits.length > 0 ? median(inits) : Number.NaN,
      processMs: processes.length > 0 ? median(processes) : Number.NaN,
      ...(error ? { error } : {}),
    });
  }
  return figures;
}
