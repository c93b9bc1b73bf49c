/**
 * Runs `vigil` in this process (exactly what `bin/vigil.js` runs, minus its Node version check)
 * with its output discarded, then prints one JSON line: exit code, time and peak RSS of the
 * process, which the parent cannot read from a child it spawned.
 *
 *   node bench/evaluate-child.ts evaluate --db X --no-progress PATH...
 */
import module from 'node:module';

// As bin/vigil.js does.
module.enableCompileCache?.();
const { main } = await import('../cli/main.ts');

const discard = { write: () => {} };
const summary: string[] = [];
const started = performance.now();
const exitCode = await main(process.argv.slice(2), {
  stdout: { write: (text: string) => void (/^(Read|Skipped|Evaluated) /.test(text) && summary.push(text.trim())) },
  stderr: discard,
  stdin: process.stdin,
  cwd: process.cwd(),
});
const elapsedMs = performance.now() - started;
process.stdout.write(`${JSON.stringify({ exitCode, elapsedMs, maxRssKb: process.resourceUsage().maxRSS, summary })}\n`);
