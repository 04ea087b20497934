#!/usr/bin/env node
import { homedir } from 'node:os';
import { runCli } from './cli/run-cli.ts';

/** The bin entry, and the only place that ends the process (DESIGN rule 2). */
const code = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  home: homedir(),
  stdout: process.stdout,
  stderr: process.stderr,
  execPath: process.execPath,
  processArgv: process.argv,
});
// Exit explicitly: a downstream socket or timer left by a misbehaving server must not keep a
// gateway alive after its client has gone.
process.exit(code);
