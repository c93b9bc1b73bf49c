/** The remediating Lambda: "Vigil Remediation Request" events in, opted-in repairs out. */
import { createRemediationHandler } from '#shared/remediation/handler.ts';

export const handler = createRemediationHandler();
