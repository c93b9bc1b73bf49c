// serverless-esbuild loads its `config` option with require() and calls the export; Node 24
// require()s the ES module below synchronously. The options themselves live in bundle-options.mjs.
const { serverlessEsbuildOptions } = require('./bundle-options.mjs');

module.exports = () => serverlessEsbuildOptions();
