// osls loads variable files only as .js/.cjs (with require); Node 24 require()s this ES module and
// strips the types of what it imports. The resolvers are in serverless-vars.ts.
export * from './serverless-vars.ts';
