import { WORKLOAD_READER } from '../../sources/emr/reader-ids.ts';
import { hasTemplateParameter, isMutableImage } from '../../sources/emr/workload.ts';
import { defineRule, type Evaluation } from '../types.ts';
import { compareVersions, describeWorkload, releaseVersion } from './workload.ts';

/** One half of the check: decided (ok / problem), undecidable at this point (with why), or unknown. */
type Part = { verdict: 'ok'; note: string } | { verdict: 'problem'; note: string } | { verdict: 'undecidable'; note: string } | { verdict: 'unknown' };

function releasePart(label: string | null | undefined, minimum: string): Part {
  if (label === undefined) return { verdict: 'unknown' };
  if (label === null) return { verdict: 'undecidable', note: 'names no release label' };
  if (hasTemplateParameter(label)) return { verdict: 'undecidable', note: `takes its release label from the job template parameter ${label} (set by each run)` };
  const version = releaseVersion(label);
  const floor = releaseVersion(minimum);
  if (!version || !floor) return { verdict: 'undecidable', note: `uses release label ${label}, which is not an emr-X.Y.Z label` };
  return compareVersions(version, floor) < 0
    ? { verdict: 'problem', note: `uses release ${label}, older than the minimum ${minimum}` }
    : { verdict: 'ok', note: `uses release ${label}` };
}

function imagePart(image: string | null | undefined): Part {
  if (image === undefined) return { verdict: 'unknown' };
  if (image === null) return { verdict: 'ok', note: "runs the release's own image" };
  if (hasTemplateParameter(image)) return { verdict: 'undecidable', note: `takes its container image from a job template parameter in ${image} (set by each run)` };
  return isMutableImage(image)
    ? { verdict: 'problem', note: `runs custom image ${image}, a mutable latest tag that does not pin a patched build` }
    : { verdict: 'ok', note: `runs custom image ${image}` };
}

function join(notes: readonly string[]): string {
  return notes.length <= 1 ? (notes[0] ?? '') : `${notes.slice(0, -1).join(', ')} and ${notes.at(-1)}`;
}

export const emr3ReleaseAndImage = defineRule({
  id: 'EMR.3',
  title: 'EMR on EKS workload uses a supported release and a pinned custom image',
  severity: 'MEDIUM',
  description:
    'Amazon EMR on EKS images are patched with each release; a job, endpoint or template on an old release label keeps old, ' +
    'unpatched binaries. A custom image (spark.kubernetes.container.image) referenced by a mutable latest tag, or by no tag, ' +
    'can change under the workload at any time and hides which base image, and so which patches, it was built from.',
  recommendation: {
    text: 'Use a release label at or above the configured minimum, rebuild custom images on each new base image of that release, and reference them by an immutable version tag or digest, never :latest.',
    url: 'https://docs.aws.amazon.com/emr/latest/EMR-on-EKS-DevelopmentGuide/docker-custom-images.html',
  },
  source: 'EMR on EKS security best practices, "Get the latest security updates for custom images" (seeds 001; 000 in Chinese)',
  resourceKinds: ['emr-virtual-cluster', 'emr-managed-endpoint', 'emr-job-template'],
  triggers: [{ service: 'emr-containers', eventNames: ['StartJobRun', 'CreateManagedEndpoint', 'CreateJobTemplate'] }],
  reads: [WORKLOAD_READER['emr-virtual-cluster'], WORKLOAD_READER['emr-managed-endpoint'], WORKLOAD_READER['emr-job-template']],
  evaluate(subject, { config }): Evaluation {
    const workload = subject.state.workload;
    if (!workload) return { status: 'NOT_APPLICABLE', summary: `${describeWorkload(subject)} has no workload to judge.` };
    const name = describeWorkload(subject);
    const release = releasePart(workload.releaseLabel, config.minEmrRelease);
    const image = imagePart(workload.containerImage);
    const parts = [release, image];
    const evidence = {
      releaseLabel: workload.releaseLabel ?? (workload.releaseLabel === null ? 'none' : 'not read'),
      minEmrRelease: config.minEmrRelease,
      containerImage: workload.containerImage ?? (workload.containerImage === null ? "none (the release's image)" : 'not read'),
    };
    const problems = parts.flatMap((part) => (part.verdict === 'problem' ? [part.note] : []));
    // A known problem decides the verdict; the other half is not needed for it.
    if (problems.length > 0) return { status: 'FAILED', summary: `${name} ${join(problems)}.`, evidence };
    const unknown: string[] = [];
    if (release.verdict === 'unknown') unknown.push(subject.kind === 'emr-virtual-cluster' && workload.jobTemplateId ? `its release label (from job template ${workload.jobTemplateId})` : 'its release label');
    if (image.verdict === 'unknown') unknown.push('its container image (CloudTrail redacts the Spark properties and submit parameters)');
    if (unknown.length > 0) return { status: 'NEEDS', readers: [WORKLOAD_READER[subject.kind]], why: join(unknown) };
    const notes = parts.map((part) => (part.verdict === 'unknown' ? '' : part.note));
    if (parts.every((part) => part.verdict === 'undecidable')) {
      return { status: 'NOT_APPLICABLE', summary: `${name} ${join(notes)}: nothing to judge until a run sets them.` };
    }
    return { status: 'PASSED', summary: `${name} ${join(notes)}.`, evidence };
  },
});
