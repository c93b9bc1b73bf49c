/**
 * The practical limit, run as its own process like `vigil evaluate`: read every file, gunzip it
 * and `JSON.parse` it whole, nothing else. Prints one JSON line of figures.
 *
 *   node bench/baseline.ts FILE...
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const started = performance.now();
let records = 0;
for (const file of process.argv.slice(2)) {
  const bytes = readFileSync(file);
  const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
  const parsed = JSON.parse(text) as { Records?: unknown[] };
  records += parsed.Records?.length ?? 1;
}
const elapsedMs = performance.now() - started;
process.stdout.write(`${JSON.stringify({ records, elapsedMs, maxRssKb: process.resourceUsage().maxRSS })}\n`);
