/**
 * What the pipeline hands to a findings sink (Security Hub in AWS, SQLite locally).
 * Both sinks implement the same life of a finding (rules.md, "Life of a finding").
 */
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { ResourceRef } from '../model.ts';

export type { AwsSecurityFinding };

/** Workflow states the pipeline sets after an import (BatchImportFindings cannot). */
export type WorkflowChange = 'RESOLVED' | 'SUPPRESSED';

export interface FindingUpdate {
  /** The complete finding, as BatchImportFindings takes it. `UpdatedAt` is the change's eventTime. */
  finding: AwsSecurityFinding;
  /** Set after the import, only if the stored finding is still the one imported (same UpdatedAt). */
  workflow?: WorkflowChange;
  /**
   * Only update an active finding that already exists; never create one. Used when a rule no
   * longer applies to a resource (a role that stopped trusting an OIDC provider): a finding it
   * had is resolved, and resources it never applied to get none.
   */
  existingOnly?: boolean;
}

/** Archive every active Vigil finding on a resource (it was deleted). */
export interface ArchiveRequest {
  ref: ResourceRef;
  /** Region and account the findings live in (the ProductArn's). */
  findingRegion: string;
  /** The delete call's eventTime: the archived findings' new `UpdatedAt`. */
  eventTime: string;
  eventId: string;
  eventName: string;
}

export interface SinkReport {
  /** Findings the sink accepted (imported, or stored). */
  imported: number;
  /** Workflow changes applied. */
  workflowUpdated: number;
  archived: number;
  /** Updates ignored because the stored finding is newer (out-of-order or duplicate delivery). */
  stale: number;
}

export interface FindingSink {
  /** Imports findings (in batches) and then applies their workflow changes. Throws if any is lost. */
  publish(updates: readonly FindingUpdate[]): Promise<SinkReport>;
  /** Archives the findings of deleted resources. Throws if any cannot be archived. */
  archive(requests: readonly ArchiveRequest[]): Promise<SinkReport>;
}

export function emptyReport(): SinkReport {
  return { imported: 0, workflowUpdated: 0, archived: 0, stale: 0 };
}

export function addReports(a: SinkReport, b: SinkReport): SinkReport {
  return {
    imported: a.imported + b.imported,
    workflowUpdated: a.workflowUpdated + b.workflowUpdated,
    archived: a.archived + b.archived,
    stale: a.stale + b.stale,
  };
}
