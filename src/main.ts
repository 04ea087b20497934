#!/usr/bin/env node
import { processIo } from './cli/io.ts';
import { runCli } from './cli/run-cli.ts';

/** The bin entry, and the only place that ends the process (DESIGN rule 2). */
const code = await runCli(processIo());
// Exit explicitly: a downstream socket or timer left by a misbehaving server must not keep a
// gateway alive after its client has gone.
process.exit(code);
