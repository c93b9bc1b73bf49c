/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (see the `alias` in
 * `bundle-options.mjs`). Lambda always hands a function its role's credentials in environment
 * variables, so the full chain (SSO, INI files, process, IMDS, web identity: about 100 KB
 * minified) is dead weight there. Same export name and call shape as the real module.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init = {}) => fromEnv(init);
