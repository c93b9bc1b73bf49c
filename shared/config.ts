/**
 * The one configuration schema, used by the Lambdas (JSON in the `VIGIL_CONFIG` environment
 * variable, written by `serverless.yml` from `vigil.config.json`) and by `vigil --config FILE`.
 * Validated once, up front: a bad configuration fails at cold start with a message that names
 * the field, never half-way through an event.
 */
import * as z from 'zod';
import { SEVERITIES } from './model.ts';

const ruleId = z.string().regex(/^[A-Z]+\.\d+$/, 'a rule ID such as "EKS.1"');
const iamRoleOrUserArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:(role|user|assumed-role)\/.+$/, 'an IAM role or user ARN');
const cidr = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'an IPv4 CIDR such as "203.0.113.0/24"');
const kubernetesVersion = z.string().regex(/^\d+\.\d+$/, 'a Kubernetes minor version such as "1.31"');
const emrRelease = z.string().regex(/^emr-\d+\.\d+\.\d+/, 'an EMR release label such as "emr-7.0.0-latest"');
const logType = z.enum(['api', 'audit', 'authenticator', 'controllerManager', 'scheduler']);

/** Rules whose remediation an operator may opt into (see `shared/remediation/`). */
export const REMEDIABLE_RULES = ['LT.1', 'LT.2', 'EKS.1', 'EKS.2', 'EKS.3', 'EKS.4', 'EKS.6', 'EKS.8', 'IAM.3'] as const;
export type RemediableRuleId = (typeof REMEDIABLE_RULES)[number];

export const configSchema = z
  .object({
    /** Principals allowed to hold cluster-wide EKS admin access policies (EKS.6). */
    adminPrincipalArns: z.array(iamRoleOrUserArn).default([]),
    /** Lowest Kubernetes minor version considered supported (EKS.9). */
    minKubernetesVersion: kubernetesVersion.default('1.31'),
    /** Lowest EMR on EKS release label accepted (EMR.3). */
    minEmrRelease: emrRelease.default('emr-7.0.0'),
    /** Control-plane log types that must be enabled (EKS.2). */
    requiredLogTypes: z.array(logType).min(1).default(['api', 'audit', 'authenticator']),
    /** Public endpoint CIDRs considered restricted (EKS.1); also what its remediation applies. */
    allowedPublicAccessCidrs: z
      .array(cidr)
      .default([])
      .refine((cidrs) => !cidrs.some((cidr) => cidr.endsWith('/0')), 'a /0 range (the whole internet) cannot be allow-listed'),
    /** Managed policy ARNs a node role may carry beyond the EKS node policies (IAM.4). */
    nodeRoleExtraPolicies: z.array(z.string().startsWith('arn:')).default([]),
    /** Tag whose value lists rule IDs (or `all`) a resource is exempt from. */
    exemptionTagKey: z.string().min(1).max(128).default('compliance:exempt'),
    /** Raise a rule's severity (never lower it below the catalogue's default). */
    severityOverrides: z.record(ruleId, z.enum(SEVERITIES)).default({}),
    /** Rules switched off entirely. */
    disabledRules: z.array(ruleId).default([]),
    remediation: z
      .object({
        /** Dry-run records the exact call it would make and changes nothing. On by default. */
        dryRun: z.boolean().default(true),
        /** Rules opted into automatic remediation. Off unless listed. */
        enabledRules: z.array(z.enum(REMEDIABLE_RULES)).default([]),
        /** KMS key to associate with clusters lacking secrets encryption (EKS.3). */
        kmsKeyArn: z.string().regex(/^arn:aws[a-z-]*:kms:/, 'a KMS key ARN').optional(),
      })
      .strict()
      .default({ dryRun: true, enabledRules: [] }),
  })
  .strict()
  .superRefine((config, ctx) => {
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
  });

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
