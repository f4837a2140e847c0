import { runCli } from './cli/run.js';

// The CLI entry: parse, run the core, exit with 0 (pass), 1 (fail) or 2 (error).
process.exitCode = await runCli(process.argv.slice(2));
