/**
 * The one place the Lambda bundles are configured. `serverless-esbuild` reads it through
 * `esbuild.config.cjs` (its `config` option) and the benchmark imports `esbuildOptions()` to build
 * the very same bundles with `esbuild.build` (add `metafile: true` there to see what weighs).
 *
 * Why these options:
 * - ESM (`.mjs`), minified, no source maps: the zip stays small and Node does not pay for
 *   `--enable-source-maps` on every cold start. Stack traces name minified functions; the
 *   pipeline's log lines carry the event id, rule id and error name, which is what we search by.
 * - `mainFields: module, main`: take the SDK's `dist-es` builds, which tree-shake.
 * - A `require` for the CommonJS dependencies (see `banner`).
 * - The credential alias: Lambda passes the role's credentials in environment variables, so the
 *   default chain (SSO, INI, process, IMDS, web identity) is replaced with `fromEnv()`. Measured
 *   with esbuild's metafile on an EKS DescribeCluster bundle: 329 KB → 212 KB minified.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const scriptsDir = dirname(fileURLToPath(import.meta.url));

/** Node version of the Lambda runtime (`nodejs24.x`). */
export const LAMBDA_NODE_TARGET = 'node24';

/**
 * Plain esbuild options for one Lambda entry (add `entryPoints` and `outdir`/`outfile`).
 * @returns {import('esbuild').BuildOptions}
 */
export function esbuildOptions() {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: LAMBDA_NODE_TARGET,
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    alias: {
      '@aws-sdk/credential-provider-node': join(scriptsDir, 'lambda-credentials.mjs'),
    },
    // CommonJS dependencies (yaml's `node` build) require() Node built-ins; an ES module has no
    // `require`, and esbuild's stand-in throws "Dynamic require of "process" is not supported"
    // when the bundle loads. Give the bundle a real one.
    banner: { js: "import { createRequire as vigilCreateRequire } from 'node:module'; const require = vigilCreateRequire(import.meta.url);" },
  };
}

/** The options `serverless-esbuild` takes: esbuild's, plus its own packaging switches. */
export function serverlessEsbuildOptions() {
  return {
    ...esbuildOptions(),
    outputFileExtension: '.mjs',
    // Everything is bundled: no `npm install` of externals at package time (works offline).
    external: [],
    exclude: [],
    packager: 'npm',
    keepOutputDirectory: false,
  };
}
