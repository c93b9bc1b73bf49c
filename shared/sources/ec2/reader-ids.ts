/**
 * Ids of the launch-template readers. Each is the one IAM action the reader performs, so the
 * generated least-privilege policy and the rules' `reads` say the same thing. Kept apart from
 * `readers.ts` so that rules can name them without importing the EC2 SDK.
 */
export const LT_READERS = {
  /** The judged version's MetadataOptions and ImageId. */
  versions: 'ec2:DescribeLaunchTemplateVersions',
  /** The template's tags (the kind's tags reader) and its id when only the name was known. */
  templates: 'ec2:DescribeLaunchTemplates',
  /** The AMI's ImdsSupport. */
  images: 'ec2:DescribeImages',
  /** The account/region IMDS defaults. */
  accountDefaults: 'ec2:GetInstanceMetadataDefaults',
} as const;
