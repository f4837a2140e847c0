/** The one state each running container is in; a fixed list, so metrics and alerts stay bounded. */
export const WATCH_STATES = [
  'verified',
  'unsigned',
  'invalid-signature',
  'verdict-failed',
  'verdict-stale',
  'no-registry-digest',
  'error',
] as const;

export type WatchState = (typeof WATCH_STATES)[number];

/** What watch knows about one running container; the JSON line of `--format json`. */
export interface ContainerReport {
  id: string;
  name: string;
  /** What the container was asked to run (`Config.Image`): shown to people, never trusted. */
  image: string;
  /** The image the container was created from (inspect `.Image`). */
  imageId: string;
  /** `repository@sha256:…` that was verified, or null when the image has no registry digest. */
  digest: string | null;
  /** The platform manifest, when the engine reports one (containerd image store). */
  manifestDigest: string | null;
  state: WatchState;
  /** Why the state is what it is, in one line (never a secret). */
  detail: string;
  /** True unless the container's user is provably not uid 0 (fail closed). */
  root: boolean;
  /** The uid the engine resolves the user to, when it can be known. */
  uid: number | null;
  privileged: boolean;
  capAdd: string[];
  /** When the verdict that verified this image was issued (ISO 8601), if known. */
  verdictIssuedAt: string | null;
}
