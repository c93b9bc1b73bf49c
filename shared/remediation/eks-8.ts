/**
 * EKS.8 remediation: sets `enableNetworkPolicy: "true"` in the vpc-cni add-on's configuration
 * values and keeps every other value. The values are read live (DescribeAddon) as the text the
 * add-on holds, and written back in the same language: JSON stays JSON (same indentation, key
 * order kept), YAML stays YAML (comments kept). `resolveConflicts: PRESERVE` keeps the fields
 * someone changed on the cluster directly, and no `addonVersion` is sent, so the version stays.
 *
 * Network policy needs vpc-cni 1.14 or later; from then on, NetworkPolicy objects already in the
 * cluster start being enforced, which can cut traffic they never allowed.
 */
import { DescribeAddonCommand, EKSClient } from '@aws-sdk/client-eks';
import { parseDocument } from 'yaml';
import { ConfigurationValuesError, isObject, parseConfigurationValues } from '../events/quirks.ts';
import { sendAll } from './calls.ts';
import type { Remediation } from './types.ts';

export interface AddonFacts {
  /** `configurationValues` exactly as the add-on holds it; `undefined` when it has none. */
  configurationValues: string | undefined;
  status: string | undefined;
}

const ADDON = 'vpc-cni';
const TRANSIENT = new Set(['CREATING', 'UPDATING']);

/** The configuration text with network policy on, in the language it was written in. */
export function withNetworkPolicy(text: string | undefined): string {
  if (text === undefined || text.trim() === '') return JSON.stringify({ enableNetworkPolicy: 'true' });
  try {
    const json: unknown = JSON.parse(text);
    if (!isObject(json)) throw new ConfigurationValuesError('configurationValues is not an object');
    const indent = /\n([ \t]+)"/.exec(text)?.[1];
    // Spreading keeps an existing key where it was; a new one goes last.
    return JSON.stringify({ ...json, enableNetworkPolicy: 'true' }, null, indent);
  } catch (error) {
    if (error instanceof ConfigurationValuesError) throw error;
  }
  const document = parseDocument(text);
  if (document.errors.length > 0 || !isObject(document.toJS())) {
    throw new ConfigurationValuesError('configurationValues is neither a JSON nor a YAML object');
  }
  document.set('enableNetworkPolicy', 'true');
  return document.toString();
}

export const eks8Remediation: Remediation<'eks-addon', AddonFacts> = {
  ruleId: 'EKS.8',
  kind: 'eks-addon',
  description:
    'Updates the vpc-cni add-on configuration with enableNetworkPolicy "true", every other configuration value kept as it was, JSON or YAML as written ' +
    '(UpdateAddon, resolveConflicts PRESERVE, same add-on version). Existing NetworkPolicy objects start being enforced.',
  permissions: [{ actions: ['eks:DescribeAddon', 'eks:UpdateAddon'], resources: ['arn:${partition}:eks:${region}:${account}:addon/*/vpc-cni/*'] }],
  async inspect(subject, aws) {
    const { clusterName, addonName } = subject.state;
    const { addon } = await aws.client(EKSClient, subject.ref.region).send(new DescribeAddonCommand({ clusterName, addonName }));
    if (!addon) return { found: false };
    const text = addon.configurationValues;
    let parsed: Record<string, unknown> | null | undefined;
    try {
      parsed = text === undefined ? null : parseConfigurationValues(text);
    } catch (error) {
      // Left unknown: the rule then reports it cannot judge, and nothing is written over it.
      if (!(error instanceof ConfigurationValuesError)) throw error;
      parsed = undefined;
    }
    return {
      found: true,
      state: { ...(parsed !== undefined ? { configurationValues: parsed } : {}), tags: { ...addon.tags } },
      facts: { configurationValues: text, status: addon.status },
    };
  },
  busy(subject, facts) {
    return facts.status && TRANSIENT.has(facts.status) ? `EKS add-on ${subject.ref.name} is ${facts.status}` : undefined;
  },
  plan(subject, _config, context) {
    const { ref, state } = subject;
    if (state.addonName !== ADDON) return { status: 'NOT_REMEDIABLE', reason: `EKS add-on ${ref.name} is not ${ADDON}` };
    let configurationValues: string;
    try {
      configurationValues = withNetworkPolicy(context.facts.configurationValues);
    } catch (error) {
      if (!(error instanceof ConfigurationValuesError)) throw error;
      return { status: 'NOT_REMEDIABLE', reason: `the configuration values of EKS add-on ${ref.name} cannot be read: ${error.message}` };
    }
    const before = state.configurationValues ?? null;
    return {
      status: 'PLANNED',
      calls: [
        {
          service: 'eks',
          command: 'UpdateAddon',
          input: { clusterName: state.clusterName, addonName: state.addonName, configurationValues, resolveConflicts: 'PRESERVE', clientRequestToken: context.token },
        },
      ],
      summary: `EKS add-on ${ref.name}: enableNetworkPolicy set to "true", other configuration values kept.`,
      before: { enableNetworkPolicy: before?.enableNetworkPolicy ?? null, configurationValues: context.facts.configurationValues ?? null },
      after: { enableNetworkPolicy: 'true', configurationValues },
    };
  },
  async apply(plan, subject, aws) {
    await sendAll(plan.calls, aws, subject.ref);
    return { calls: plan.calls, after: plan.after };
  },
};
