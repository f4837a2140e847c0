import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { check } from '../commands/check.js';
import { watchCommand } from '../commands/watch.js';
import { inspect } from '../commands/inspect.js';
import { mergeReportFiles } from '../commands/merge.js';
import { errorDetail, errorMessage, GateError } from '../errors.js';
import { stderrLogger } from '../log.js';
import { safeDeep, safeText } from '../redact.js';
import type { Verdict } from '../policy/verdict.js';
import type { Finding } from '../scanners/finding.js';
import {
  renderFindingsJson,
  renderFindingsMarkdown,
  renderFindingsSarif,
  renderFindingsTable,
} from '../report/findings.js';
import { renderInspect } from '../report/inspect.js';
import { renderJson } from '../report/json.js';
import { renderMarkdown } from '../report/markdown.js';
import { renderSarif } from '../report/sarif.js';
import { renderTable } from '../report/table.js';
import { type Command, parseCommandLine, type ReportFormat, type SignFlags } from './args.js';
import { terminalProgress } from './progress.js';
import { VERSION } from '../version.js';

export const EXIT = { pass: 0, fail: 1, error: 2 } as const;

/** Runs one CLI invocation and returns its exit code; only this writes to stdout. */
export async function runCli(argv: string[]): Promise<number> {
  let command: Command;
  try {
    command = parseCommandLine(argv);
    return await dispatch(command);
  } catch (err) {
    process.stderr.write(`image-gate: error: ${oneLine(errorMessage(err))}\n`);
    // The stack of an unexpected error, as safe as the message (never console.error(err)).
    if (!(err instanceof GateError) && process.env.IMAGE_GATE_DEBUG)
      process.stderr.write(`${errorDetail(err)}\n`);
    return EXIT.error;
  }
}

async function dispatch(command: Command): Promise<number> {
  switch (command.command) {
    case 'help':
      process.stdout.write(command.text);
      return EXIT.pass;
    case 'version':
      process.stdout.write(`image-gate ${VERSION}\n`);
      return EXIT.pass;
    case 'inspect': {
      const progress = terminalProgress();
      const info = await inspect({
        image: command.image,
        ...openOptions(command.common),
        walk: progress ? { progress } : {},
      });
      process.stdout.write(renderInspect(info, command.format, { color: colorOn() }));
      return EXIT.pass;
    }
    case 'watch':
      return runWatch(command);
    case 'merge': {
      const { findings } = await mergeReportFiles(command.reports);
      process.stdout.write(renderFindings(findings, command.format));
      return EXIT.pass;
    }
    case 'verify':
      return verify(command);
    case 'generate-key-pair': {
      const { generateKeyPairFiles } = await import('../commands/generate-key-pair.js');
      const { keyPath, pubPath } = await generateKeyPairFiles(command.prefix);
      process.stderr.write(`wrote ${keyPath} (encrypted with COSIGN_PASSWORD) and ${pubPath}\n`);
      return EXIT.pass;
    }
    case 'check': {
      const progress = terminalProgress();
      const options = {
        image: command.image,
        ...openOptions(command.common),
        ...(command.policy ? { policyPath: command.policy } : {}),
        ...(command.trivyReport ? { trivyReport: command.trivyReport } : {}),
        ...(command.grypeReport ? { grypeReport: command.grypeReport } : {}),
        ...scannerDbOptions(command.scannerDb),
        log: stderrLogger(command.common.debug),
        ...(progress ? { progress } : {}),
      };
      const verdict = command.sign
        ? await checkAndSign(options, command.sign)
        : await check(options);
      for (const out of command.outputs) {
        await mkdir(dirname(out.file), { recursive: true });
        await writeFile(out.file, renderVerdict(verdict, out.format, false));
      }
      process.stdout.write(renderVerdict(verdict, command.format, colorOn()));
      if (verdict.rules.some((r) => r.status === 'error')) return EXIT.error;
      return verdict.decision === 'pass' ? EXIT.pass : EXIT.fail;
    }
  }
}

/** Loaded only for --sign: plain `check` never loads the signing code or sigstore. */
async function checkAndSign(
  options: Parameters<typeof check>[0],
  flags: SignFlags,
): Promise<Verdict> {
  const { gateAndSign, contentTrustWarning } = await import('../commands/sign.js');
  contentTrustWarning(options.log);
  const { verdict, signed, platform } = await gateAndSign({
    ...options,
    ...(flags.key ? { keyPath: flags.key } : { keyless: flags.keyless! }),
    recursive: flags.recursive,
    formats: { legacy: flags.legacy, bundle: true },
  });
  for (const result of [signed, platform]) {
    for (const w of result?.written ?? []) {
      options.log.info(
        `signed ${result!.digest}: ${w.format} ${w.kind} in ${w.manifestDigest}${w.added ? '' : ' (already there)'}`,
      );
    }
  }
  return verdict;
}

async function verify(command: Extract<Command, { command: 'verify' }>): Promise<number> {
  const { verifyCommand, renderVerifyResult } = await import('../commands/verify.js');
  const { contentTrustWarning } = await import('../commands/sign.js');
  const log = stderrLogger(command.common.debug);
  contentTrustWarning(log);
  const result = await verifyCommand({
    image: command.image,
    ...(command.key ? { keyPath: command.key } : { keyless: command.keyless! }),
    requireAttestation: command.requireAttestation,
    tlsVerify: command.common.tlsVerify,
    log,
    ...(command.common.dockerConfigDir ? { dockerConfigDir: command.common.dockerConfigDir } : {}),
    ...(command.maxAge ? { maxAge: command.maxAge } : {}),
    ...(command.policyDigest ? { policyDigest: command.policyDigest } : {}),
  });
  if (command.format === 'json') {
    const { error: _error, ...plain } = result as typeof result & { error?: unknown };
    void _error;
    // What a registry served (attestations, signatures) is quoted: printed like every output.
    process.stdout.write(`${JSON.stringify(safeDeep(plain), null, 2)}\n`);
  } else process.stdout.write(safeText(renderVerifyResult(result)));
  if (result.status === 'error') {
    process.stderr.write(`image-gate: error: ${oneLine(safeText(result.message))}\n`);
    return EXIT.error;
  }
  return result.status === 'verified' ? EXIT.pass : EXIT.fail;
}

/** watch until SIGTERM/SIGINT (or one pass with --once); stdout gets the JSON lines. */
async function runWatch(command: Extract<Command, { command: 'watch' }>): Promise<number> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    return await watchCommand(command, {
      write: (text) => process.stdout.write(safeText(text)),
      log: stderrLogger(command.debug),
      signal: stop.signal,
    });
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

function openOptions(common: { platform?: string; tlsVerify: boolean; dockerConfigDir?: string }) {
  return {
    tlsVerify: common.tlsVerify,
    ...(common.platform ? { platform: common.platform } : {}),
    ...(common.dockerConfigDir ? { dockerConfigDir: common.dockerConfigDir } : {}),
  };
}

export function renderVerdict(verdict: Verdict, format: ReportFormat, color: boolean): string {
  switch (format) {
    case 'json':
      return renderJson(verdict);
    case 'markdown':
      return renderMarkdown(verdict);
    case 'sarif':
      return renderSarif([verdict]);
    case 'table':
      return renderTable(verdict, { color });
  }
}

function renderFindings(findings: Finding[], format: ReportFormat): string {
  switch (format) {
    case 'json':
      return renderFindingsJson(findings);
    case 'markdown':
      return renderFindingsMarkdown(findings);
    case 'sarif':
      return renderFindingsSarif(findings);
    case 'table':
      return renderFindingsTable(findings);
  }
}

function colorOn(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** The check options for `--trivy-db-repository`, `--grype-db-url` and `--cache-dir`. */
function scannerDbOptions(db: Extract<Command, { command: 'check' }>['scannerDb']) {
  if (!db) return {};
  const { cacheDir, ...source } = db;
  return {
    ...(cacheDir ? { cacheDir } : {}),
    ...(Object.keys(source).length > 0 ? { dbSource: source } : {}),
  };
}
