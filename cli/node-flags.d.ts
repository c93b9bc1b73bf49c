/** Node flags `vigil` runs with (see node-flags.js). */
export declare const NODE_FLAGS: readonly string[];
/** Environment variables `vigil` runs with, unless already set (see node-flags.js). */
export declare const NODE_ENVIRONMENT: Readonly<Record<string, string>>;
