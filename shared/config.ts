/**
 * The one configuration schema, used by the Lambdas (JSON in the `VIGIL_CONFIG` environment
 * variable, written by `serverless.yml` from `vigil.config.json`) and by `vigil --config FILE`.
 * Validated once, up front: a bad configuration fails at cold start with a message that names
 * the field, never half-way through an event.
 */
import { SEVERITIES } from './model.ts';
import * as z from './zod-mini.ts';

const ruleId = z.string().check(z.regex(/^[A-Z]+\.\d+$/, 'a rule ID such as "EKS.1"'));
const iamRoleOrUserArn = z
  .string()
  .check(z.regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:(role|user|assumed-role)\/.+$/, 'an IAM role or user ARN'));
const cidr = z.string().check(z.regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'an IPv4 CIDR such as "203.0.113.0/24"'));
const kubernetesVersion = z.string().check(z.regex(/^\d+\.\d+$/, 'a Kubernetes minor version such as "1.31"'));
const emrRelease = z.string().check(z.regex(/^emr-\d+\.\d+\.\d+/, 'an EMR release label such as "emr-7.0.0-latest"'));
const logType = z.enum(['api', 'audit', 'authenticator', 'controllerManager', 'scheduler']);

/** Rules whose remediation an operator may opt into (see `shared/remediation/`). */
export const REMEDIABLE_RULES = ['LT.1', 'LT.2', 'EKS.1', 'EKS.2', 'EKS.3', 'EKS.4', 'EKS.6', 'EKS.8', 'IAM.3'] as const;
export type RemediableRuleId = (typeof REMEDIABLE_RULES)[number];

export const configSchema = z
  .strictObject({
    /** Principals allowed to hold cluster-wide EKS admin access policies (EKS.6). */
    adminPrincipalArns: z._default(z.array(iamRoleOrUserArn), []),
    /** Lowest Kubernetes minor version considered supported (EKS.9). */
    minKubernetesVersion: z._default(kubernetesVersion, '1.31'),
    /** Lowest EMR on EKS release label accepted (EMR.3). */
    minEmrRelease: z._default(emrRelease, 'emr-7.0.0'),
    /** Control-plane log types that must be enabled (EKS.2). */
    requiredLogTypes: z._default(z.array(logType).check(z.minLength(1)), ['api', 'audit', 'authenticator']),
    /** Public endpoint CIDRs considered restricted (EKS.1); also what its remediation applies. */
    allowedPublicAccessCidrs: z
      ._default(z.array(cidr), [])
      .check(z.refine((cidrs) => !cidrs.some((cidr) => cidr.endsWith('/0')), 'a /0 range (the whole internet) cannot be allow-listed')),
    /** Managed policy ARNs a node role may carry beyond the EKS node policies (IAM.4). */
    nodeRoleExtraPolicies: z._default(z.array(z.string().check(z.startsWith('arn:'))), []),
    /** Tag whose value lists rule IDs (or `all`) a resource is exempt from. */
    exemptionTagKey: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'compliance:exempt'),
    /** Raise a rule's severity (never lower it below the catalogue's default). */
    severityOverrides: z._default(z.record(ruleId, z.enum(SEVERITIES)), {}),
    /** Rules switched off entirely. */
    disabledRules: z._default(z.array(ruleId), []),
    remediation: z._default(
      z.strictObject({
        /** Dry-run records the exact call it would make and changes nothing. On by default. */
        dryRun: z._default(z.boolean(), true),
        /** Rules opted into automatic remediation. Off unless listed. */
        enabledRules: z._default(z.array(z.enum(REMEDIABLE_RULES)), []),
        /** KMS key to associate with clusters lacking secrets encryption (EKS.3). */
        kmsKeyArn: z.optional(z.string().check(z.regex(/^arn:aws[a-z-]*:kms:/, 'a KMS key ARN'))),
      }),
      { dryRun: true, enabledRules: [] },
    ),
  })
  .check(
    z.superRefine((config, ctx) => {
      if (config.remediation.enabledRules.includes('EKS.3') && !config.remediation.kmsKeyArn) {
        ctx.addIssue({
          code: 'custom',
          path: ['remediation', 'kmsKeyArn'],
          message: 'EKS.3 remediation is enabled but no kmsKeyArn is configured',
        });
      }
      if (config.remediation.enabledRules.includes('EKS.1') && config.allowedPublicAccessCidrs.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['allowedPublicAccessCidrs'],
          message: 'EKS.1 remediation is enabled but allowedPublicAccessCidrs is empty',
        });
      }
    }),
  );

export type VigilConfig = z.output<typeof configSchema>;
export type VigilConfigInput = z.input<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses and validates a configuration object; throws a `ConfigError` naming every bad field. */
export function parseConfig(input: unknown, origin = 'configuration'): VigilConfig {
  const result = configSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ConfigError(`invalid ${origin}: ${problems.join('; ')}`);
}

/** Reads the Lambda configuration from `VIGIL_CONFIG` (JSON); absent means all defaults. */
export function configFromEnvironment(env: NodeJS.ProcessEnv = process.env): VigilConfig {
  const raw = env.VIGIL_CONFIG;
  if (raw === undefined || raw.trim() === '') return parseConfig({}, 'VIGIL_CONFIG');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(`invalid VIGIL_CONFIG: not JSON (${(error as Error).message})`);
  }
  return parseConfig(parsed, 'VIGIL_CONFIG');
}

export const defaultConfig: VigilConfig = parseConfig({});
