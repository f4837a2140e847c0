import { runCli } from './cli/run.js';
import { errorMessage } from './errors.js';

// An error that no code path caught (an 'error' event nobody listens to) would make Node print
// the raw error, which may quote image text, and exit 1, which reads as "failed the policy":
// print one safe line instead and exit 2, an error.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err: unknown) => {
    process.stderr.write(`image-gate: error: ${errorMessage(err).replace(/\s*\n\s*/g, ' ')}\n`);
    process.exit(2);
  });
}

// The CLI entry: parse, run the core, exit with 0 (pass), 1 (fail) or 2 (error).
process.exitCode = await runCli(process.argv.slice(2));
