import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DescribeClusterCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClientCache } from '#shared/aws/clients.ts';
import { defaultConfig } from '#shared/config.ts';
import type { ArchiveRequest, AwsSecurityFinding, FindingSink, FindingUpdate } from '#shared/findings/types.ts';
import { emptyReport } from '#shared/findings/types.ts';
import { Pipeline, processBatch } from '#shared/pipeline/evaluate.ts';
import { createRegistry } from '#shared/registry.ts';
import { SqliteFindingStore } from '../../cli/store.ts';
import { clusterArn, FIXTURES, jsonLines, TEST_CATALOGUE, vigil } from './catalogue.ts';

const eks = mockClient(EKSClient);

function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

function event(name: string): Record<string, unknown> {
  return JSON.parse(fixture(name)) as Record<string, unknown>;
}

/** What the pipeline hands a sink for these events, run directly (the reference for JSON output). */
async function published(...events: Record<string, unknown>[]): Promise<FindingUpdate[]> {
  const updates: FindingUpdate[] = [];
  const sink: FindingSink = {
    publish: async (batch) => {
      updates.push(...batch);
      return emptyReport();
    },
    archive: async () => emptyReport(),
  };
  const pipeline = new Pipeline({ registry: createRegistry({ ...TEST_CATALOGUE }), config: defaultConfig });
  await processBatch(pipeline, sink, events);
  return updates;
}

function findingsIn(db: string): AwsSecurityFinding[] {
  const store = new SqliteFindingStore(db);
  try {
    return [...store.query({ all: true })];
  } finally {
    store.close();
  }
}

const ID = /^vigil\/eu-west-1\/111122223333\/CLI\.1\/[0-9a-f]{40}$/;

describe('vigil evaluate', () => {
  let work: string;
  let db: string;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
    db = join(work, 'findings.db');
    eks.reset();
  });

  afterEach(() => {
    rmSync(work, { recursive: true, force: true });
  });

  const write = (name: string, content: string | Buffer) => {
    const path = join(work, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
    return path;
  };

  describe('input forms', () => {
    const publicFinding = { rule: 'CLI.1', resource: clusterArn('web-prod'), status: 'FAILED', workflow: 'NEW' };
    const row = (finding: AwsSecurityFinding) => ({
      rule: finding.ProductFields?.['vigil/RuleId'],
      resource: finding.Resources?.[0]?.Id,
      status: finding.Compliance?.Status,
      workflow: finding.Workflow?.Status,
    });

    it('reads an EventBridge event file', async () => {
      // Prepare
      const path = write('event.json', fixture('CreateCluster.public.json'));
      // Act
      const result = await vigil(['evaluate', '--db', db, path], { cwd: work });
      // Assess
      expect(result.code).toBe(0);
      expect(jsonLines<AwsSecurityFinding>(result.stdout).map(row)).toEqual([publicFinding]);
      expect(findingsIn(db).map(row)).toEqual([publicFinding]);
    });

    it('reads a bare CloudTrail record, to the same finding as its EventBridge event', async () => {
      // Prepare
      const record = event('CreateCluster.public.json').detail;
      const path = write('record.json', JSON.stringify(record, null, 2));
      // Act
      const result = await vigil(['evaluate', '--db', db, path], { cwd: work });
      // Assess
      expect(result.code).toBe(0);
      const [line] = jsonLines(result.stdout);
      const [reference] = await published(event('CreateCluster.public.json'));
      expect(line?.Id).toBe(reference?.finding.Id);
      expect(line?.Id).toMatch(ID);
    });

    it('reads a CloudTrail log file and counts what it skips, by reason', async () => {
      // Prepare
      const path = write('111122223333_CloudTrail_eu-west-1_20250310T0920Z_a1b2c3.json', fixture('records.json'));
      // Act
      const result = await vigil(['evaluate', '--db', db, '--format', 'json', path], { cwd: work });
      // Assess
      expect(result.code).toBe(0);
      expect(jsonLines<AwsSecurityFinding>(result.stdout).map(row)).toEqual([{ ...publicFinding, resource: clusterArn('batch-1') }]);
      expect(result.stderr).toContain('Read 6 events from 1 file');
      expect(result.stderr).toContain('Skipped 5: 2 read-only, 1 failed call, 1 not handled, 1 malformed.');
      expect(result.stderr).toContain('Evaluated 1 change: findings 1 FAILED');
      expect(result.stderr).toMatch(/warning: event skipped \(reason=malformed, detail=not a CloudTrail record: eventTime: [^)]*eventId=4e2b3f5d-6a7c-4d8e-9f0a-2b3c4d5e6f7a/);
    });

    it('counts an EventBridge event of another kind (a remediation request) as not handled, not malformed', async () => {
      // Prepare
      const request = { version: '0', id: 'b5c1', 'detail-type': 'Vigil Remediation Request', source: 'vigil.remediation', account: '111122223333', time: '2025-03-10T09:20:00Z', region: 'eu-west-1', resources: [], detail: { ruleId: 'EKS.1' } };
      const path = write('request.json', JSON.stringify(request));
      // Act
      const result = await vigil(['evaluate', '--db', db, '--format', 'json', path], { cwd: work });
      // Assess
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('Skipped 1: 1 not handled.');
    });

    it('reads a gzip log file (told by its content, whatever its name) exactly as the plain one', async () => {
      // Prepare
      const plain = write('plain/records.json', fixture('records.json'));
      const zipped = write('zipped/records.json.gz', gzipSync(fixture('records.json')));
      const misnamed = write('misnamed/records.json', gzipSync(fixture('records.json')));
      // Act
      const results = await Promise.all(
        [plain, zipped, misnamed].map((path, index) => vigil(['evaluate', '--db', join(work, `${index}.db`), path], { cwd: work })),
      );
      // Assess
      const [first, ...others] = results.map((result) => ({ code: result.code, lines: jsonLines(result.stdout), summary: result.stderr.split('\n').slice(0, 3).map(withoutTiming) }));
      expect(first?.lines).toHaveLength(1);
      for (const other of others) expect(other).toEqual(first);
    });

    it('reads JSON lines', async () => {
      // Prepare
      const path = write('events.jsonl', fixture('events.jsonl'));
      // Act
      const result = await vigil(['evaluate', '--db', db, path], { cwd: work });
      // Assess
      expect(result.code).toBe(0);
      expect(jsonLines<AwsSecurityFinding>(result.stdout).map(row)).toEqual([
        { ...publicFinding, resource: clusterArn('jobs-1') },
        { rule: 'CLI.1', resource: clusterArn('jobs-2'), status: 'PASSED', workflow: 'RESOLVED' },
      ]);
      expect(result.stderr).toContain('Skipped 1: 1 read-only.');
    });

    it('walks directories recursively, in name order, reading only event files', async () => {
      // Prepare
      write('trail/AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/10/b.json.gz', gzipSync(fixture('CreateCluster.private.json')));
      write('trail/AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/10/a.json', fixture('CreateCluster.public.json'));
      write('trail/AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/11/c.ndjson', fixture('events.jsonl'));
      write('trail/AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2025/03/10/digest.json.gz', gzipSync('{"awsAccountId":"111122223333"}'));
      write('trail/.cache/x.json', fixture('CreateCluster.exempt.json'));
      write('trail/README.md', '# not events');
      // Act
      const result = await vigil(['evaluate', '--db', db, join(work, 'trail')], { cwd: work });
      // Assess
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('Read 5 events from 3 files');
      expect(jsonLines(result.stdout).map((line) => (line.Resources as { Id: string }[])[0]?.Id)).toEqual([
        clusterArn('web-prod'),
        clusterArn('web-internal'),
        clusterArn('jobs-1'),
        clusterArn('jobs-2'),
      ]);
    });

    it('reads standard input when given no path, or "-"', async () => {
      // Act
      const implicit = await vigil(['evaluate', '--db', join(work, '1.db')], { cwd: work, stdin: fixture('events.jsonl') });
      const dash = await vigil(['evaluate', '--db', join(work, '2.db'), '-'], { cwd: work, stdin: gzipSync(fixture('records.json')) });
      // Assess
      expect(implicit.code).toBe(0);
      expect(implicit.stderr).toContain('Read 3 events from 1 input');
      expect(jsonLines(implicit.stdout)).toHaveLength(2);
      expect(dash.code).toBe(0);
      expect(dash.stderr).toContain('Read 6 events from 1 input');
      expect(jsonLines(dash.stdout)).toHaveLength(1);
    });
  });

  describe('malformed input', () => {
    it('rejects a broken file in the middle of a directory with its name and position, and reads the others', async () => {
      // Prepare
      const broken = fixture('CreateCluster.private.json').replace('"endpointPublicAccess": false', '"endpointPublicAccess": flase');
      write('in/1.json', fixture('CreateCluster.public.json'));
      write('in/2.json', broken);
      write('in/3.json', fixture('CreateCluster.exempt.json'));
      const line = broken.split('\n').findIndex((text) => text.includes('flase')) + 1;
      const column = (broken.split('\n')[line - 1] ?? '').indexOf('flase') + 1;
      // Act
      const result = await vigil(['evaluate', '--db', db, join(work, 'in')], { cwd: work });
      // Assess
      expect(result.code).toBe(1);
      const byte = Buffer.byteLength(broken.slice(0, broken.indexOf('flase')));
      expect(result.stderr).toContain(`vigil: ${join(work, 'in', '2.json')}: line ${line}, column ${column} (byte ${byte}): invalid JSON: unexpected "f" where a value was expected`);
      expect(result.stderr).toContain('1 input could not be read in full');
      expect(findingsIn(db).map((finding) => finding.Resources?.[0]?.Id).sort()).toEqual([clusterArn('lab-1'), clusterArn('web-prod')]);
    });

    it('names the decompressed position in a gzip file, and rejects a truncated gzip file', async () => {
      // Prepare
      const jsonl = fixture('events.jsonl').split('\n');
      jsonl[1] = (jsonl[1] ?? '').slice(0, 100);
      write('in/a.jsonl.gz', gzipSync(jsonl.join('\n')));
      const zipped = gzipSync(fixture('records.json'));
      write('in/b.json.gz', zipped.subarray(0, zipped.length - 40));
      // Act
      const result = await vigil(['evaluate', '--db', db, join(work, 'in')], { cwd: work });
      // Assess
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${join(work, 'in', 'a.jsonl.gz')}: line 2, column 101 (byte ${(jsonl[0] ?? '').length + 101} of the decompressed content): invalid JSON: a string is not closed before the end of its line`);
      expect(result.stderr).toMatch(new RegExp(`${join(work, 'in', 'b.json.gz').replaceAll('/', '\\/')}: not a valid gzip stream after \\d+ bytes: unexpected end of file`));
      expect(result.stderr).toContain('2 inputs could not be read in full');
      // The good lines of the JSON lines file, and the records decompressed before the gzip stream broke, were read.
      expect(jsonLines(result.stdout).map((line) => (line.Resources as { Id: string }[])[0]?.Id)).toEqual([clusterArn('jobs-1'), clusterArn('batch-1')]);
    });

    it('reports a path that does not exist and goes on with the others', async () => {
      // Prepare
      const path = write('event.json', fixture('CreateCluster.public.json'));
      // Act
      const result = await vigil(['evaluate', '--db', db, 'missing.json', path], { cwd: work });
      // Assess
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('vigil: missing.json: no such file or directory');
      expect(jsonLines(result.stdout)).toHaveLength(1);
    });
  });

  describe('findings, as Security Hub would hold them', () => {
    const sequence = ['CreateCluster.public.json', 'CreateCluster.private.json', 'CreateCluster.exempt.json', 'UpdateClusterConfig.private.json', 'UpdateClusterConfig.partial.json', 'DeleteCluster.json'];

    it('prints each finding as imported (with its workflow status), the archived ones included', async () => {
      // Prepare
      const events = sequence.map(event);
      const paths = sequence.map((name) => write(name, fixture(name)));
      // Act
      const result = await vigil(['evaluate', '--db', db, ...paths], { cwd: work });
      // Assess
      expect(result.code).toBe(0);
      const lines = jsonLines<AwsSecurityFinding>(result.stdout);
      const reference = await published(...events);
      const archivedInternal = lines.find((line) => line.RecordState === 'ARCHIVED');
      // Every import line is the pipeline's finding, as the sink receives it, with its workflow change applied.
      expect(lines.filter((line) => line.RecordState === 'ACTIVE')).toEqual(
        reference.map((update) => (update.workflow ? { ...update.finding, Workflow: { Status: update.workflow } } : update.finding)),
      );
      // One batch: the newest verdict per finding is sent (web-prod's FAILED is superseded by PASSED).
      expect(lines.map((line) => [line.Resources?.[0]?.Id, line.Compliance?.Status, line.Workflow?.Status, line.RecordState])).toEqual([
        [clusterArn('web-prod'), 'PASSED', 'RESOLVED', 'ACTIVE'],
        [clusterArn('web-internal'), 'PASSED', 'RESOLVED', 'ACTIVE'],
        [clusterArn('lab-1'), 'FAILED', 'SUPPRESSED', 'ACTIVE'],
        [clusterArn('web-internal'), 'PASSED', 'RESOLVED', 'ARCHIVED'],
      ]);
      expect(archivedInternal).toMatchObject({ UpdatedAt: '2025-03-10T11:00:00.000Z', CreatedAt: '2025-03-10T09:05:00.000Z', ProductFields: { 'vigil/EventName': 'DeleteCluster' } });
      for (const line of lines) {
        expect(line).toMatchObject({ SchemaVersion: '2018-10-08', GeneratorId: 'vigil/CLI.1', AwsAccountId: '111122223333', Region: 'eu-west-1', ProductArn: 'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default', Types: ['Software and Configuration Checks/AWS Security Best Practices'], Severity: { Label: 'HIGH' } });
        expect(line.Id).toMatch(ID);
        expect(line.Resources?.[0]?.Type).toBe('AwsEksCluster');
        expect(line.Title?.length).toBeLessThanOrEqual(256);
        expect(line.Description?.length).toBeLessThanOrEqual(1024);
      }
    });

    it('summarises findings by status and lists the rules it could not evaluate offline', async () => {
      // Prepare
      const paths = sequence.map((name) => write(name, fixture(name)));
      // Act
      const result = await vigil(['evaluate', '--db', db, '--format', 'table', ...paths], { cwd: work, tty: true });
      // Assess
      expect(result.code).toBe(0);
      const lines = result.stdout.split('\n');
      expect(lines[0]).toMatch(/^SEVERITY\s+RULE\s+STATUS\s+RESOURCE\s+ACCOUNT\/REGION\s+WHAT IS WRONG$/);
      expect(lines[1]).toMatch(/^HIGH\s+CLI\.1\s+SUPPRESSED\s+cluster\/lab-1\s+111122223333\/eu-west-1\s+EKS cluster lab-1 has a public endpoint\.$/);
      expect(lines[2]).toBe('');
      expect(result.stdout).toContain('Read 6 events from 6 files');
      expect(result.stdout).toContain(`Evaluated 6 changes: findings 1 SUPPRESSED, 1 PASSED, 1 ARCHIVED (stored in ${db}).`);
      expect(result.stdout).toMatch(/Not evaluated without live AWS state \(run with --aws to read it\): 1 rule on a resource\n\s+RULE\s+RESOURCE\s+NEEDS\n\s+CLI\.1\s+cluster\/web-prod\s+eks:DescribeCluster\n/);
      expect(result.stderr).toBe('');
    });

    it('ignores a second delivery of the same events, and says so', async () => {
      // Prepare
      const path = write('events.jsonl', fixture('events.jsonl'));
      await vigil(['evaluate', '--db', db, path], { cwd: work });
      // Act
      const again = await vigil(['evaluate', '--db', db, path], { cwd: work });
      // Assess
      expect(again.code).toBe(0);
      expect(again.stdout).toBe('');
      expect(again.stderr).toContain('Evaluated 2 changes: no findings; 2 updates older than the stored finding ignored.');
      expect(findingsIn(db)).toHaveLength(2);
    });

    it('keeps nothing with --db :memory:', async () => {
      // Prepare
      const path = write('event.json', fixture('CreateCluster.public.json'));
      // Act
      const result = await vigil(['evaluate', '--db', ':memory:', path], { cwd: work });
      // Assess
      expect(result.code).toBe(0);
      expect(jsonLines(result.stdout)).toHaveLength(1);
      expect(readdirNames(work)).toEqual(['event.json']);
    });
  });

  describe('when findings cannot be stored', () => {
    it('stops reading, and says so', async () => {
      // Prepare
      let attempts = 0;
      const failing: FindingSink = {
        publish: async () => {
          attempts += 1;
          throw new Error('disk full');
        },
        archive: async () => emptyReport(),
      };
      for (let index = 0; index < 3; index += 1) write(`in/${index}.jsonl`, fixture('events.jsonl'));
      // Act
      const result = await vigil(['evaluate', '--aws', join(work, 'in')], {
        cwd: work,
        deps: { catalogue: TEST_CATALOGUE, clients: createClientCache({ maxAttempts: 1 }), securityHubSink: () => failing, batchSize: 2 },
      });
      // Assess
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('vigil: error: findings could not be published; stopped reading: disk full');
      expect(attempts).toBe(1);
      expect(result.stderr).toContain('Read 3 events from 3 files');
    });
  });

  describe('configuration', () => {
    it.each([
      ['JSON', 'vigil.json', '{"disabledRules": ["CLI.1"]}'],
      ['YAML', 'vigil.yaml', 'disabledRules:\n  - CLI.1\n'],
    ])('reads --config as %s', async (_format, name, content) => {
      // Prepare
      write(name, content);
      const path = write('event.json', fixture('CreateCluster.public.json'));
      // Act
      const result = await vigil(['evaluate', '--db', db, '--config', name, path], { cwd: work });
      // Assess
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('Skipped 1: 1 not handled.');
    });

    it('reads vigil.config.json from the working directory when no --config is given', async () => {
      // Prepare
      write('vigil.config.json', '{"severityOverrides": {"CLI.1": "CRITICAL"}}');
      const path = write('event.json', fixture('CreateCluster.public.json'));
      // Act
      const result = await vigil(['evaluate', '--db', db, path], { cwd: work });
      // Assess
      expect(jsonLines(result.stdout)[0]).toMatchObject({ Severity: { Label: 'CRITICAL' } });
    });

    it.each([
      ['a field', 'bad.yaml', 'adminPrincipalArns:\n  - not-an-arn\n', 'vigil: invalid bad.yaml: adminPrincipalArns.0: an IAM role or user ARN'],
      ['an unknown field', 'bad.json', '{"dryRun": true}', 'vigil: invalid bad.json: (root): Unrecognized key: "dryRun"'],
      ['a JSON syntax error', 'bad.json', '{\n  "disabledRules": [\n}', 'vigil: invalid bad.json: not valid JSON at line 3, column 1: unexpected "}" where a value was expected'],
      ['a YAML syntax error', 'bad.yml', 'disabledRules: [CLI.1\n', 'vigil: invalid bad.yml: not valid YAML:'],
      ['a missing file', 'none.json', undefined, 'vigil: cannot read configuration none.json: no such file'],
    ])('rejects a configuration with %s, naming the file', async (_what, name, content, message) => {
      // Prepare
      if (content !== undefined) write(name, content);
      const path = write('event.json', fixture('CreateCluster.public.json'));
      // Act
      const result = await vigil(['evaluate', '--db', db, '--config', name, path], { cwd: work });
      // Assess
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stdout).toBe('');
    });
  });

  describe('command line', () => {
    it.each([
      [['evaluate', '--format', 'xml', 'x.json'], '--format must be "table" or "json", not "xml"'],
      [['evaluate', '--bogus'], "Unknown option '--bogus'"],
      [['evaluate'], 'no input: give files or directories, or pipe events to standard input'],
      [['evaluate', '--finding-region', 'eu-west-1', 'x.json'], '--finding-region applies only with --aws'],
      [['judge'], 'unknown command "judge"'],
      [[], 'Usage: vigil <command>'],
    ])('rejects %j with exit code 2', async (argv, message) => {
      // Act
      const result = await vigil(argv, { cwd: work });
      // Assess
      expect(result.code).toBe(2);
      expect(result.stderr + result.stdout).toContain(message);
    });

    it('prints a table on a terminal and JSON lines elsewhere by default', async () => {
      // Prepare
      const path = write('event.json', fixture('CreateCluster.public.json'));
      // Act
      const onTerminal = await vigil(['evaluate', '--db', join(work, '1.db'), path], { cwd: work, tty: true });
      const piped = await vigil(['evaluate', '--db', join(work, '2.db'), path], { cwd: work });
      // Assess
      expect(onTerminal.stdout).toMatch(/^SEVERITY/);
      expect(onTerminal.stdout).toContain('Read 1 event from 1 file');
      expect(jsonLines(piped.stdout)).toHaveLength(1);
      expect(piped.stderr).toContain('Read 1 event from 1 file');
    });
  });

  describe('--aws', () => {
    it('reads the live state a rule needs, and publishes to the Security Hub sink', async () => {
      // Prepare
      eks.on(DescribeClusterCommand, { name: 'web-prod' }).resolves({ cluster: { name: 'web-prod', resourcesVpcConfig: { endpointPublicAccess: false }, tags: {} } });
      const sent: FindingUpdate[] = [];
      const archived: ArchiveRequest[] = [];
      const sink: FindingSink = {
        publish: async (updates) => {
          sent.push(...updates);
          return { ...emptyReport(), imported: updates.length };
        },
        archive: async (requests) => {
          archived.push(...requests);
          return emptyReport();
        },
      };
      const paths = ['UpdateClusterConfig.partial.json', 'DeleteCluster.json'].map((name) => write(name, fixture(name)));
      // Act
      const result = await vigil(['evaluate', '--aws', ...paths], {
        cwd: work,
        deps: { catalogue: TEST_CATALOGUE, clients: createClientCache({ maxAttempts: 1 }), securityHubSink: () => sink },
      });
      // Assess
      expect(result.code).toBe(0);
      expect(eks.commandCalls(DescribeClusterCommand).map((call) => call.args[0].input)).toEqual([{ name: 'web-prod' }]);
      expect(sent.map((update) => [update.finding.Resources?.[0]?.Id, update.finding.Compliance?.Status, update.workflow])).toEqual([[clusterArn('web-prod'), 'PASSED', 'RESOLVED']]);
      expect(archived.map((request) => [request.ref.id, request.eventName])).toEqual([[clusterArn('web-internal'), 'DeleteCluster']]);
      expect(jsonLines(result.stdout)).toEqual([{ ...sent[0]?.finding, Workflow: { Status: 'RESOLVED' } }]);
      expect(result.stderr).toContain('(published to Security Hub)');
      expect(result.stderr).not.toContain('Not evaluated');
      expect(readdirNames(work).sort()).toEqual(['DeleteCluster.json', 'UpdateClusterConfig.partial.json']);
    });

    it('keeps findings in the local store when --db is given too, and archives a resource found gone', async () => {
      // Prepare
      eks.on(DescribeClusterCommand).rejects(new ResourceNotFoundException({ message: 'No cluster found for name: web-prod.', $metadata: {} }));
      const seed = write('seed.json', fixture('CreateCluster.public.json'));
      await vigil(['evaluate', '--db', db, seed], { cwd: work });
      const path = write('partial.json', fixture('UpdateClusterConfig.partial.json'));
      // Act
      const result = await vigil(['evaluate', '--aws', '--db', db, path], { cwd: work, deps: { catalogue: TEST_CATALOGUE, clients: createClientCache({ maxAttempts: 1 }) } });
      // Assess
      expect(result.code).toBe(0);
      expect(findingsIn(db).map((finding) => [finding.Resources?.[0]?.Id, finding.RecordState, finding.UpdatedAt])).toEqual([[clusterArn('web-prod'), 'ARCHIVED', '2025-03-10T10:30:00.000Z']]);
    });
  });
});

/** What `vigil` left in a directory. */
/** A summary line without its wall-clock part ("in 0.1 s (963 events/s)"), which varies by run. */
function withoutTiming(line: string): string {
  return line.replace(/ in [\d.,]+ s(?: \([^)]*\))?/, '');
}

function readdirNames(directory: string): string[] {
  return readdirSync(directory);
}
