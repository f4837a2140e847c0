import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file is test/unit/scanners/fixtures.ts. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Real Trivy and Grype reports, shared with the other folders (see PROVENANCE.md there). */
export const FIXTURES = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'scanners');

/** `trivy/…` and `grype/…` report paths relative to FIXTURES, sorted. */
export function fixtureFiles(): string[] {
  return ['trivy', 'grype']
    .flatMap((dir) => readdirSync(path.join(FIXTURES, dir)).map((name) => `${dir}/${name}`))
    .sort();
}

export function fixturePath(file: string): string {
  return path.join(FIXTURES, file);
}

export function readFixture(file: string): unknown {
  return JSON.parse(readFileSync(fixturePath(file), 'utf8'));
}

/** The figures expected.py computed for one report; only the fields the tests read. */
export interface ExpectedFigures {
  format: 'trivy-json' | 'grype-json' | 'sarif';
  tool: string;
  vulnerabilities: number;
  by_severity: Record<string, number>;
  with_fix: number;
  unique_vuln_pkg_version?: number;
  artifact_name?: string | null;
  source_target?: string | null;
  tool_version?: string | null;
}

export const expectedFigures = JSON.parse(
  readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8'),
) as Record<string, ExpectedFigures>;
