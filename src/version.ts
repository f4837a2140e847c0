/** The tool's version, reported in verdicts and SARIF. Kept in step with package.json. */
export const VERSION = '0.1.0';
