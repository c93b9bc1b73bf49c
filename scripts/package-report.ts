/**
 * What `serverless package` produced, per function: the zip's size and the bundle's size inside
 * it. Run after packaging (`npm run package`), or on another output directory:
 *
 *   node scripts/package-report.ts [.serverless]
 *
 * The zip reader is the few lines the packaged artifacts need (stored or deflated entries, sizes
 * from the central directory, since the packager streams with data descriptors), so the infra
 * tests can open the bundles without a zip dependency.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  size: number;
  data(): Buffer;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

/** The entries of a zip archive (no ZIP64, no encryption: what the packager writes). */
export function readZipEntries(path: string): ZipEntry[] {
  const zip = readFileSync(path);
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== END_OF_CENTRAL_DIRECTORY) end -= 1;
  if (end < 0) throw new Error(`${path} is not a zip archive`);
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let index = 0; index < count; index += 1) {
    if (zip.readUInt32LE(offset) !== CENTRAL_DIRECTORY_HEADER) throw new Error(`${path}: corrupt central directory`);
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + extraLength + commentLength;
    entries.push({
      name,
      size,
      data() {
        if (zip.readUInt32LE(localOffset) !== LOCAL_FILE_HEADER) throw new Error(`${path}: corrupt entry ${name}`);
        const start = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
        const raw = zip.subarray(start, start + compressedSize);
        if (method === 0) return Buffer.from(raw);
        if (method === 8) return inflateRawSync(raw);
        throw new Error(`${path}: entry ${name} uses compression method ${method}`);
      },
    });
  }
  return entries;
}

export interface FunctionArtifact {
  function: string;
  zipBytes: number;
  /** The bundle (`.mjs`) inside, uncompressed. */
  bundle: string;
  bundleBytes: number;
}

/** One row per function zip in a `serverless package` output directory. */
export function packageReport(directory: string): FunctionArtifact[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.zip'))
    .sort()
    .map((file) => {
      const bundle = readZipEntries(join(directory, file)).find((entry) => entry.name.endsWith('.mjs'));
      if (!bundle) throw new Error(`${file} holds no .mjs bundle`);
      return { function: file.replace(/\.zip$/, ''), zipBytes: statSync(join(directory, file)).size, bundle: bundle.name, bundleBytes: bundle.size };
    });
}

if (import.meta.main) {
  const directory = process.argv[2] ?? '.serverless';
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
  for (const row of packageReport(directory)) {
    console.log(`${row.function.padEnd(16)} zip ${kb(row.zipBytes).padStart(8)}   ${row.bundle} ${kb(row.bundleBytes).padStart(8)}`);
  }
}
