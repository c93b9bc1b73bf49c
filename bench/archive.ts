/**
 * A realistic CloudTrail archive, as S3 delivers it: `{"Records":[...]}` files, gzip, under
 * `AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/`. Most records are calls Vigil does not
 * judge (role assumptions, S3 object reads, Describe calls, metrics, console sign-ins, instance
 * launches...), shaped like the real ones; a few percent are the handled calls of the fixtures in
 * `events/`, with fresh ids, times and resource names.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';

export interface ArchiveOptions {
  records: number;
  recordsPerFile: number;
  /** Share of records that are handled calls taken from the fixtures. */
  handledShare: number;
  eventsDir: string;
  /** Deterministic output for a given seed. */
  seed?: number;
}

export interface Archive {
  root: string;
  files: string[];
  records: number;
  handled: number;
  compressedBytes: number;
  uncompressedBytes: number;
}

/** Small deterministic generator (mulberry32): the same archive on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = Record<string, unknown>;

function pick<T>(items: readonly T[], next: () => number): T {
  return items[Math.floor(next() * items.length)] as T;
}

const ROLES = ['app-orders', 'app-payments', 'ci-deployer', 'data-pipeline', 'karpenter', 'eks-node-role', 'AWSReservedSSO_Admin_0a1b2c3d4e5f'];
const USERS = ['alice', 'bob', 'build-bot'];
const BUCKETS = ['orders-data-eu', 'payments-archive', 'ml-training-sets', 'cloudtrail-logs-111122223333'];
const AGENTS = [
  'aws-sdk-java/2.25.11 Linux/5.10.217-205.860.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS Java/17.0.11 vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE',
  'Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux#5.10.219 md/arch#x86_64 lang/python#3.12.3 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.84',
  'aws-cli/2.15.40 md/awscrt#0.19.19 ua/2.0 os/macos#23.4.0 md/arch#arm64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off md/command#ec2.describe-instances',
  'APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.46.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.2 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.156.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
];

function hex(next: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(next() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

function assumedRole(next: () => number): Json {
  const role = pick(ROLES, next);
  const session = `session-${hex(next, 8)}`;
  const principal = `AROA${hex(next, 16).toUpperCase()}`;
  return {
    type: 'AssumedRole',
    principalId: `${principal}:${session}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
    accountId: ACCOUNT,
    accessKeyId: `ASIA${hex(next, 16).toUpperCase()}`,
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: principal, arn: `arn:aws:iam::${ACCOUNT}:role/${role}`, accountId: ACCOUNT, userName: role },
      webIdFederationData: {},
      attributes: { creationDate: '2025-03-10T07:55:12Z', mfaAuthenticated: 'false' },
    },
  };
}

function iamUser(next: () => number): Json {
  const user = pick(USERS, next);
  return { type: 'IAMUser', principalId: `AIDA${hex(next, 16).toUpperCase()}`, arn: `arn:aws:iam::${ACCOUNT}:user/${user}`, accountId: ACCOUNT, accessKeyId: `AKIA${hex(next, 16).toUpperCase()}`, userName: user };
}

function base(next: () => number, time: string, source: string, name: string, readOnly: boolean, extra: Json): Json {
  return {
    eventVersion: '1.09',
    userIdentity: next() < 0.8 ? assumedRole(next) : iamUser(next),
    eventTime: time,
    eventSource: source,
    eventName: name,
    awsRegion: REGION,
    sourceIPAddress: `10.${Math.floor(next() * 255)}.${Math.floor(next() * 255)}.${Math.floor(next() * 255)}`,
    userAgent: pick(AGENTS, next),
    requestParameters: null,
    responseElements: null,
    requestID: randomUUID(),
    eventID: randomUUID(),
    readOnly,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
    tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: `${source.split('.')[0]}.${REGION}.amazonaws.com` },
    ...extra,
  };
}

/** The calls that make up most of a real trail, with rough real-world weights. */
const UNHANDLED: readonly [number, (next: () => number, time: string) => Json][] = [
  [18, (next, time) => base(next, time, 'sts.amazonaws.com', 'AssumeRole', false, {
    requestParameters: { roleArn: `arn:aws:iam::${ACCOUNT}:role/${pick(ROLES, next)}`, roleSessionName: `session-${hex(next, 8)}`, durationSeconds: 3600 },
    responseElements: { credentials: { accessKeyId: `ASIA${hex(next, 16).toUpperCase()}`, sessionToken: hex(next, 64), expiration: 'Mar 10, 2025, 9:05:12 AM' }, assumedRoleUser: { assumedRoleId: `AROA${hex(next, 16).toUpperCase()}:session`, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/app/session` } },
    resources: [{ accountId: ACCOUNT, type: 'AWS::IAM::Role', ARN: `arn:aws:iam::${ACCOUNT}:role/${pick(ROLES, next)}` }],
  })],
  [22, (next, time) => base(next, time, 's3.amazonaws.com', 'GetObject', true, {
    requestParameters: { bucketName: pick(BUCKETS, next), Host: `${pick(BUCKETS, next)}.s3.${REGION}.amazonaws.com`, key: `year=2025/month=03/part-${hex(next, 12)}.parquet` },
    additionalEventData: { SignatureVersion: 'SigV4', CipherSuite: 'TLS_AES_128_GCM_SHA256', bytesTransferredIn: 0, AuthenticationMethod: 'AuthHeader', 'x-amz-id-2': hex(next, 48), bytesTransferredOut: Math.floor(next() * 5e6) },
    resources: [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${pick(BUCKETS, next)}/part-${hex(next, 12)}.parquet` }, { accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${pick(BUCKETS, next)}` }],
    managementEvent: false,
    eventCategory: 'Data',
  })],
  [14, (next, time) => base(next, time, 'ec2.amazonaws.com', pick(['DescribeInstances', 'DescribeSecurityGroups', 'DescribeSubnets', 'DescribeVolumes', 'DescribeNetworkInterfaces'], next), true, {
    requestParameters: { maxResults: 1000, filterSet: { items: [{ name: 'vpc-id', valueSet: { items: [{ value: `vpc-${hex(next, 17)}` }] } }] } },
  })],
  [8, (next, time) => base(next, time, 'monitoring.amazonaws.com', 'PutMetricData', false, {
    requestParameters: { namespace: 'ContainerInsights', metricData: [{ metricName: 'pod_cpu_utilization', dimensions: [{ name: 'ClusterName', value: 'prod-eu' }], value: next() * 100, unit: 'Percent' }] },
  })],
  [2, (next, time) => ({
    ...base(next, time, 'signin.amazonaws.com', 'ConsoleLogin', false, {
      responseElements: { ConsoleLogin: 'Success' },
      additionalEventData: { LoginTo: 'https://console.aws.amazon.com/console/home', MobileVersion: 'No', MFAUsed: 'Yes' },
      eventType: 'AwsConsoleSignIn',
    }),
    awsRegion: 'us-east-1',
  })],
  [3, (next, time) => base(next, time, 'ec2.amazonaws.com', 'RunInstances', false, {
    requestParameters: {
      instancesSet: { items: [{ imageId: `ami-${hex(next, 17)}`, minCount: 1, maxCount: 1 }] },
      instanceType: pick(['m6i.large', 'c7g.xlarge', 'r6i.2xlarge'], next),
      blockDeviceMapping: {},
      monitoring: { enabled: false },
      disableApiTermination: false,
      disableApiStop: false,
      clientToken: randomUUID(),
      launchTemplate: { launchTemplateId: `lt-${hex(next, 17)}`, version: '3' },
      metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
    },
    responseElements: {
      requestId: randomUUID(),
      reservationId: `r-${hex(next, 17)}`,
      ownerId: ACCOUNT,
      groupSet: {},
      instancesSet: {
        items: [{
          instanceId: `i-${hex(next, 17)}`, imageId: `ami-${hex(next, 17)}`, currentInstanceBootMode: 'uefi', instanceState: { code: 0, name: 'pending' },
          privateDnsName: `ip-10-0-${Math.floor(next() * 255)}-${Math.floor(next() * 255)}.${REGION}.compute.internal`, amiLaunchIndex: 0, productCodes: {},
          instanceType: 'm6i.large', launchTime: 1741594000000, placement: { availabilityZone: `${REGION}a`, tenancy: 'default' }, monitoring: { state: 'disabled' },
          subnetId: `subnet-${hex(next, 17)}`, vpcId: `vpc-${hex(next, 17)}`, privateIpAddress: '10.0.12.34', stateReason: { code: 'pending', message: 'pending' },
          architecture: 'x86_64', rootDeviceType: 'ebs', rootDeviceName: '/dev/xvda', blockDeviceMapping: {}, virtualizationType: 'hvm', hypervisor: 'xen',
          metadataOptions: { state: 'pending', httpTokens: 'required', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled', httpProtocolIpv4: 'enabled' },
          tagSet: { items: [{ key: 'karpenter.sh/nodepool', value: 'default' }, { key: 'Name', value: 'karpenter-node' }] },
        }],
      },
    },
  })],
  [6, (next, time) => base(next, time, 'logs.amazonaws.com', 'CreateLogStream', false, {
    requestParameters: { logGroupName: `/aws/containerinsights/prod-eu/application`, logStreamName: `fluent-bit-${hex(next, 12)}` },
  })],
  [10, (next, time) => base(next, time, 'kms.amazonaws.com', pick(['Decrypt', 'GenerateDataKey'], next), true, {
    requestParameters: { encryptionAlgorithm: 'SYMMETRIC_DEFAULT', encryptionContext: { 'aws:s3:arn': `arn:aws:s3:::${pick(BUCKETS, next)}` } },
    resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${randomUUID()}` }],
  })],
  [6, (next, time) => base(next, time, 'eks.amazonaws.com', pick(['DescribeCluster', 'ListNodegroups', 'DescribeNodegroup', 'ListClusters'], next), true, {
    requestParameters: { name: pick(['prod-eu', 'staging-eu', 'analytics-prod'], next) },
  })],
  [4, (next, time) => base(next, time, 'iam.amazonaws.com', pick(['GetRole', 'ListAttachedRolePolicies', 'GetPolicy'], next), true, {
    requestParameters: { roleName: pick(ROLES, next) },
    awsRegion: 'us-east-1',
  })],
  [4, (next, time) => base(next, time, 'ssm.amazonaws.com', 'UpdateInstanceInformation', false, {
    requestParameters: { instanceId: `i-${hex(next, 17)}`, agentVersion: '3.3.40.0', agentStatus: 'Active', platformType: 'Linux', platformName: 'Amazon Linux', platformVersion: '2023', ipAddress: '10.0.3.4', computerName: 'ip-10-0-3-4.eu-west-1.compute.internal' },
  })],
  [3, (next, time) => base(next, time, 'ec2.amazonaws.com', pick(['CreateTags', 'AuthorizeSecurityGroupIngress'], next), false, {
    errorCode: 'Client.UnauthorizedOperation',
    errorMessage: 'You are not authorized to perform this operation.',
    requestParameters: { resourcesSet: { items: [{ resourceId: `i-${hex(next, 17)}` }] } },
  })],
];

/** Keys holding resource names: varied so that handled records name many distinct resources. */
const NAME_KEYS = new Set(['name', 'clusterName', 'roleName', 'nodegroupName', 'LaunchTemplateName', 'launchTemplateName', 'virtualClusterId', 'jobTemplateId', 'associationId']);
const TEMPLATE_ID_KEYS = new Set(['LaunchTemplateId', 'launchTemplateId']);

export function vary(value: unknown, variant: number): unknown {
  if (Array.isArray(value)) return value.map((item) => vary(item, variant));
  if (typeof value !== 'object' || value === null) return value;
  const out: Json = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string' && NAME_KEYS.has(key)) out[key] = `${item}-${variant}`;
    else if (typeof item === 'string' && TEMPLATE_ID_KEYS.has(key) && item.startsWith('lt-')) out[key] = `${item.slice(0, -4)}${variant.toString(16).padStart(4, '0')}`;
    else out[key] = vary(item, variant);
  }
  return out;
}

/** The CloudTrail records of every fixture under `events/` (the `detail` of each EventBridge event). */
export function fixtureRecords(eventsDir: string): Json[] {
  const records: Json[] = [];
  for (const folder of readdirSync(eventsDir, { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    for (const file of readdirSync(join(eventsDir, folder.name))) {
      if (!file.endsWith('.json')) continue;
      const event = JSON.parse(readFileSync(join(eventsDir, folder.name, file), 'utf8')) as Json;
      if (event['detail-type'] === 'AWS API Call via CloudTrail' && typeof event.detail === 'object' && event.detail !== null) records.push(event.detail as Json);
    }
  }
  return records;
}

export async function generateArchive(root: string, options: ArchiveOptions): Promise<Archive> {
  const next = random(options.seed ?? 42);
  const handledSources = fixtureRecords(options.eventsDir);
  if (handledSources.length === 0) throw new Error(`no CloudTrail fixtures under ${options.eventsDir}`);
  const totalWeight = UNHANDLED.reduce((sum, [weight]) => sum + weight, 0);
  const unhandled = () => {
    let roll = next() * totalWeight;
    for (const [weight, make] of UNHANDLED) {
      roll -= weight;
      if (roll <= 0) return make;
    }
    return (UNHANDLED[0] as (typeof UNHANDLED)[number])[1];
  };

  const start = Date.parse('2025-03-10T00:00:00Z');
  const fileCount = Math.ceil(options.records / options.recordsPerFile);
  // One file per five minutes, as CloudTrail delivers them.
  const fileSpanMs = 5 * 60 * 1000;
  const archive: Archive = { root, files: [], records: 0, handled: 0, compressedBytes: 0, uncompressedBytes: 0 };
  const pending: Promise<void>[] = [];
  for (let fileIndex = 0; fileIndex < fileCount; fileIndex += 1) {
    const count = Math.min(options.recordsPerFile, options.records - archive.records);
    const records: Json[] = [];
    for (let index = 0; index < count; index += 1) {
      const time = new Date(start + fileIndex * fileSpanMs + Math.floor((index / count) * fileSpanMs)).toISOString().replace('.000Z', 'Z');
      if (next() < options.handledShare) {
        const source = pick(handledSources, next);
        const record = vary(source, Math.floor(next() * 50)) as Json;
        records.push({ ...record, eventID: randomUUID(), requestID: randomUUID(), eventTime: time });
        archive.handled += 1;
      } else {
        records.push(unhandled()(next, time));
      }
    }
    archive.records += count;
    const fileTime = new Date(start + fileIndex * fileSpanMs);
    const [date = '', clock = ''] = fileTime.toISOString().split('T');
    const [year, month, day] = date.split('-');
    const directory = join(root, 'AWSLogs', ACCOUNT, 'CloudTrail', REGION, year ?? '', month ?? '', day ?? '');
    mkdirSync(directory, { recursive: true });
    const stamp = `${date.replaceAll('-', '')}T${clock.slice(0, 5).replace(':', '')}Z`;
    const path = join(directory, `${ACCOUNT}_CloudTrail_${REGION}_${stamp}_${hex(next, 16)}.json.gz`);
    archive.files.push(path);
    const text = JSON.stringify({ Records: records });
    archive.uncompressedBytes += Buffer.byteLength(text);
    pending.push(
      gzipAsync(text).then((compressed) => {
        archive.compressedBytes += compressed.length;
        writeFileSync(path, compressed);
      }),
    );
    // Compress on the thread pool while the next file is generated, a few at a time.
    if (pending.length >= 4) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return archive;
}
