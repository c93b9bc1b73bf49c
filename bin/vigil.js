#!/usr/bin/env node
// The `vigil` launcher. Vigil runs its TypeScript sources directly (Node strips the types), so it
// needs a Node.js that does that by default; this file is plain JavaScript so that an older Node
// reads it and says so instead of failing on the first type annotation.
import { spawn } from 'node:child_process';
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import { NODE_ENVIRONMENT, NODE_FLAGS } from '../cli/node-flags.js';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const supported = major >= 24 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
if (!supported) {
  process.stderr.write(
    `vigil needs Node.js 22.18 or later (24 recommended), which runs TypeScript without a build step; this is Node.js ${process.versions.node}.\n`,
  );
  process.exit(2);
}

const flagName = (flag) => flag.split('=')[0];
const missing = NODE_FLAGS.filter((flag) => !process.execArgv.some((given) => flagName(given) === flagName(flag)));
if (missing.length > 0) {
  // V8's heap and glibc's allocator are set up when the process starts: run again with the flags
  // and environment of cli/node-flags.js (a user's own settings of either are kept).
  const env = { ...NODE_ENVIRONMENT, ...process.env };
  const child = spawn(process.execPath, [...process.execArgv, ...missing, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env });
  // The terminal signals the whole process group; the child decides, this process waits for it.
  const ignore = () => {};
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, signal === 'SIGINT' ? ignore : () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
} else {
  // Node 22 and 23 flag type stripping and node:sqlite as experimental on every run: not news to a user.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'ExperimentalWarning' && /SQLite|type stripping/i.test(warning.message)) return;
    process.stderr.write(`(node:${process.pid}) ${warning.name}: ${warning.message}\n`);
  });
  // `vigil findings | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });

  // V8's code cache for the sources (and, on Node 24, their stripped TypeScript), kept in Node's
  // own cache directory: it halves start-up time and the memory the type stripper would take.
  module.enableCompileCache?.();
  const { main } = await import('../cli/main.ts');
  const io = {
    stdout: { write: (text) => process.stdout.write(text), isTTY: process.stdout.isTTY === true, columns: process.stdout.columns },
    stderr: { write: (text) => process.stderr.write(text), isTTY: process.stderr.isTTY === true, columns: process.stderr.columns },
    stdin: process.stdin,
    stdinIsTTY: process.stdin.isTTY === true,
    ...(process.stderr.isTTY ? { progressStream: process.stderr } : {}),
    cwd: process.cwd(),
  };
  process.exitCode = await main(process.argv.slice(2), io);
}
