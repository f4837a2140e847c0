export { SecretScanner, type SecretStream } from './scanner.js';
export type { SecretHit, Detector, DetectorMatch } from './types.js';
export { DETECTORS } from './detectors/index.js';
