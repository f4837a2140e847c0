import { MediaType } from '../manifest.js';

export { MANIFEST_ACCEPT, MediaType } from '../manifest.js';

/** Manifests are small JSON documents; anything bigger is broken or hostile. */
export const MAX_MANIFEST_BYTES = 4 << 20;

/** `application/json; charset=utf-8` → `application/json`. */
export function baseMediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Docker schema 1 (plain or signed): refused, it has no config and no diff_ids. */
export function isSchema1MediaType(mediaType: string): boolean {
  return (
    mediaType === MediaType.dockerSchema1 ||
    mediaType === MediaType.dockerSchema1Signed ||
    mediaType.startsWith('application/vnd.docker.distribution.manifest.v1')
  );
}

/** Content types that say nothing about which manifest kind the registry sent. */
export function isGenericContentType(mediaType: string): boolean {
  return (
    mediaType === '' ||
    mediaType === 'application/json' ||
    mediaType === 'text/plain' ||
    mediaType === 'application/octet-stream'
  );
}
