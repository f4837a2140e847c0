import { GateError } from '../../errors.js';
import {
  type Descriptor,
  layerDescriptors,
  MANIFEST_ACCEPT,
  parseConfig,
  parseManifest,
  platformOf,
} from '../manifest.js';
import type { RegistryName } from '../reference.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/client.js';
import type { Image, Platform } from '../types.js';
import { MAX_METADATA_BYTES } from './store.js';
import { checkPlatformAgrees, selectPlatform } from '../platform.js';

/** `docker://HOST/REPO:TAG|@DIGEST`: read straight from the registry, every blob verified. */
export async function openRegistryImage(
  name: RegistryName,
  platform: Platform,
  reference: string,
  clientOptions: RegistryClientOptions = {},
): Promise<Image> {
  const client = new RegistryClient(clientOptions);
  const repo = { registry: name.registry, repository: name.repository };
  const where = `${name.registry}/${name.repository}`;
  let fetched = await client.getManifest(
    repo,
    name.digest ?? name.tag ?? 'latest',
    MANIFEST_ACCEPT,
  );
  let parsed = parseManifest(fetched.bytes, fetched.mediaType, `${where}@${fetched.digest}`);
  let listed: Descriptor | undefined;
  if (parsed.kind === 'index') {
    const desc = selectPlatform(parsed.index, platform, `${where}@${fetched.digest}`);
    listed = desc;
    fetched = await client.getManifest(repo, desc.digest, MANIFEST_ACCEPT);
    parsed = parseManifest(fetched.bytes, fetched.mediaType, `${where}@${fetched.digest}`);
  }
  if (parsed.kind !== 'manifest') {
    throw new GateError(
      'format',
      `${where}@${fetched.digest}: nested image indexes are not supported`,
    );
  }
  const manifest = parsed.manifest;
  const configBytes = await client.getBlobBytes(repo, manifest.config.digest, MAX_METADATA_BYTES);
  const config = parseConfig(configBytes, `${where} config ${manifest.config.digest}`);
  if (listed) checkPlatformAgrees(listed, config, where);
  return {
    reference,
    manifestDigest: fetched.digest,
    manifestMediaType: parsed.mediaType,
    manifestBytes: fetched.bytes,
    configDigest: manifest.config.digest,
    configBytes,
    config,
    platform: platformOf(config),
    layers: layerDescriptors(manifest, config, where),
    openLayer: (layer) => client.getBlob(repo, layer.digest),
    close: async () => client.close?.(),
  };
}
