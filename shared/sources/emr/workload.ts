/**
 * What an EMR on EKS workload runs with, read out of the shapes that describe it: StartJobRun /
 * CreateManagedEndpoint / CreateJobTemplate requests in CloudTrail (with their redactions) and
 * the DescribeJobRun / DescribeManagedEndpoint / DescribeJobTemplate responses. Pure: the
 * extractors and the readers share it, so an event and a live read are understood the same way.
 */
import { isObject, isRedacted, obj, str, type Json } from '../../events/quirks.ts';

/** Spark properties that choose the container image; the role-specific ones win over the generic one. */
export const IMAGE_PROPERTY = 'spark.kubernetes.container.image';
export const DRIVER_IMAGE_PROPERTY = 'spark.kubernetes.driver.container.image';
export const EXECUTOR_IMAGE_PROPERTY = 'spark.kubernetes.executor.container.image';
/** Managed endpoints override their kernels' images under `jupyter-kernel-overrides`. */
export const KERNEL_IMAGE_PROPERTY = 'container-image';

const SPARK_IMAGE_PROPERTIES = [IMAGE_PROPERTY, DRIVER_IMAGE_PROPERTY, EXECUTOR_IMAGE_PROPERTY];

/** A job template parameter reference, `${Name}` (the API's own pattern for parameter names). */
const PARAMETER = /\$\{([a-zA-Z]\w*)\}/g;

/** Whether a value still holds a `${Param}` job template placeholder. */
export function hasTemplateParameter(value: string): boolean {
  return /\$\{[a-zA-Z]\w*\}/.test(value);
}

/** Replaces `${Name}` with the parameter's value; unknown parameters stay as they are. */
export function substituteParameters(value: string, parameters: Readonly<Record<string, string>>): string {
  return value.replace(PARAMETER, (placeholder, name: string) => parameters[name] ?? placeholder);
}

/** `substituteParameters` over every string of a JSON-like value. */
export function substituteDeep(value: unknown, parameters: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') return substituteParameters(value, parameters);
  if (Array.isArray(value)) return value.map((item) => substituteDeep(item, parameters));
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substituteDeep(item, parameters)]));
  }
  return value;
}

/**
 * Spark `--conf key=value` pairs in a spark-submit (or spark-sql) parameter string. Later
 * occurrences win, as they do for spark-submit.
 */
export function sparkConfOf(parameters: string): Record<string, string> {
  const conf: Record<string, string> = {};
  const pattern = /--conf(?:\s+|=)(["']?)([^\s"'=]+)=(.*?)\1(?=\s|$)/g;
  for (const match of parameters.matchAll(pattern)) {
    const key = match[2];
    const value = match[3];
    if (key !== undefined && value !== undefined) conf[key] = value;
  }
  return conf;
}

/** Images a workload's settings name, or `redacted` when CloudTrail hid a place one could be set. */
interface ImageScan {
  images: string[];
  redacted: boolean;
}

function configurationsOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Reads properties that are either an object or CloudTrail's redaction marker. */
function propertiesOf(configuration: unknown): { properties?: Json; redacted: boolean } {
  if (!isObject(configuration)) return { redacted: false };
  const value = configuration.properties;
  if (isRedacted(value)) return { redacted: true };
  return isObject(value) ? { properties: value, redacted: false } : { redacted: false };
}

function scanApplicationConfiguration(configurationOverrides: unknown, sparkDefaults: Record<string, string>, scan: ImageScan): void {
  if (isRedacted(configurationOverrides)) {
    scan.redacted = true;
    return;
  }
  const applicationConfiguration = isObject(configurationOverrides) ? configurationOverrides.applicationConfiguration : undefined;
  if (isRedacted(applicationConfiguration)) {
    scan.redacted = true;
    return;
  }
  for (const configuration of configurationsOf(applicationConfiguration)) {
    const classification = str(configuration, 'classification');
    if (classification === 'spark-defaults') {
      const { properties, redacted } = propertiesOf(configuration);
      if (redacted) scan.redacted = true;
      for (const key of SPARK_IMAGE_PROPERTIES) {
        const value = properties?.[key];
        if (isRedacted(value)) scan.redacted = true;
        else if (typeof value === 'string') sparkDefaults[key] = value;
      }
    } else if (classification === 'jupyter-kernel-overrides') {
      const kernels = isObject(configuration) ? configuration.configurations : undefined;
      if (isRedacted(kernels)) scan.redacted = true;
      for (const kernel of configurationsOf(kernels)) {
        const { properties, redacted } = propertiesOf(kernel);
        if (redacted) scan.redacted = true;
        const value = properties?.[KERNEL_IMAGE_PROPERTY];
        if (isRedacted(value)) scan.redacted = true;
        else if (typeof value === 'string') scan.images.push(value);
      }
    }
  }
}

function submitParametersOf(jobDriver: unknown, scan: ImageScan): string | undefined {
  if (jobDriver === undefined || jobDriver === null) return undefined;
  if (isRedacted(jobDriver)) {
    scan.redacted = true;
    return undefined;
  }
  const submit = obj(jobDriver, 'sparkSubmitJobDriver');
  const sql = obj(jobDriver, 'sparkSqlJobDriver');
  const parameters = submit ? submit.sparkSubmitParameters : sql?.sparkSqlParameters;
  if (isRedacted(parameters)) {
    scan.redacted = true;
    return undefined;
  }
  return typeof parameters === 'string' ? parameters : undefined;
}

/**
 * The image a workload runs, judged for EMR.3: the first mutable one when several are set (driver,
 * executor, kernels), else the first still holding a template parameter, else the first.
 * `null`: no custom image (the release's own image runs). `undefined`: CloudTrail redacted a place
 * where one could be set, so only a live Describe call can tell.
 */
export function containerImageOf(configurationOverrides: unknown, jobDriver: unknown): string | null | undefined {
  const scan: ImageScan = { images: [], redacted: false };
  const sparkDefaults: Record<string, string> = {};
  scanApplicationConfiguration(configurationOverrides, sparkDefaults, scan);
  const submitParameters = submitParametersOf(jobDriver, scan);
  if (scan.redacted) return undefined;
  // spark-submit `--conf` takes precedence over spark-defaults.
  const conf = { ...sparkDefaults, ...(submitParameters ? sparkConfOf(submitParameters) : {}) };
  const generic = conf[IMAGE_PROPERTY];
  for (const image of [conf[DRIVER_IMAGE_PROPERTY] ?? generic, conf[EXECUTOR_IMAGE_PROPERTY] ?? generic]) {
    if (image !== undefined && !scan.images.includes(image)) scan.images.push(image);
  }
  return pickImage(scan.images);
}

function pickImage(images: readonly string[]): string | null {
  return images.find(isMutableImage) ?? images.find(hasTemplateParameter) ?? images[0] ?? null;
}

/**
 * Whether an image reference floats: `:latest`, or no tag at all (which pulls `latest`). A digest
 * (`@sha256:…`) pins the content whatever the tag says.
 */
export function isMutableImage(image: string): boolean {
  if (hasTemplateParameter(image)) return false;
  if (image.includes('@')) return false;
  const lastSlash = image.lastIndexOf('/');
  const lastColon = image.lastIndexOf(':');
  // A colon before the last slash is a registry port (`registry:5000/repo`), not a tag.
  if (lastColon <= lastSlash) return true;
  return image.slice(lastColon + 1).toLowerCase() === 'latest';
}

/** Parameter values for a run from a job template: the template's defaults, then the run's values. */
export function templateParameters(parameterConfiguration: unknown, runParameters: Readonly<Record<string, string>>): Record<string, string> {
  const values: Record<string, string> = {};
  if (isObject(parameterConfiguration)) {
    for (const [name, configuration] of Object.entries(parameterConfiguration)) {
      const defaultValue = str(configuration, 'defaultValue');
      if (defaultValue !== undefined) values[name] = defaultValue;
    }
  }
  return { ...values, ...runParameters };
}

/** A string map from the event (`jobTemplateParameters`), dropping anything that is not a string. */
export function stringMap(value: unknown): Record<string, string> {
  const map: Record<string, string> = {};
  if (!isObject(value)) return map;
  for (const [key, item] of Object.entries(value)) if (typeof item === 'string') map[key] = item;
  return map;
}
