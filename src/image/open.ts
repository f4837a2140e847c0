import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { parsePlatform } from './manifest.js';
import { formatReference, parseReference } from './reference.js';
import { openDaemonImage } from './sources/daemon.js';
import { openDockerArchive } from './sources/docker-archive.js';
import { openOciArchive, openOciLayout } from './sources/oci-layout.js';
import type { Image } from './types.js';

export interface OpenOptions {
  /** `os/arch[/variant]` to pick from a multi-platform index; default `linux/amd64`. */
  platform?: string;
  /** Verify TLS for non-loopback registries (default true). */
  tlsVerify?: boolean;
  /** Directory of docker's config.json for registry credentials. */
  dockerConfigDir?: string;
  /** Docker Engine endpoint for `docker-daemon:`; default `$DOCKER_HOST` or the local socket. */
  dockerHost?: string;
  log?: Logger;
}

/** Opens an image from any transport; its manifest and config are fetched and verified. */
export async function openImage(input: string, options: OpenOptions = {}): Promise<Image> {
  const ref = parseReference(input);
  const reference = formatReference(ref);
  const platform = parsePlatform(options.platform ?? 'linux/amd64');
  switch (ref.transport) {
    case 'docker': {
      // Loaded on demand: layouts and archives need no HTTP stack.
      const { openRegistryImage } = await import('./sources/registry.js');
      return openRegistryImage(ref.name, platform, reference, {
        tlsVerify: options.tlsVerify ?? true,
        ...(options.dockerConfigDir ? { dockerConfigDir: options.dockerConfigDir } : {}),
        log: options.log ?? silentLogger,
      });
    }
    case 'oci':
      return openOciLayout(ref.path, ref.ref, platform, reference);
    case 'oci-archive':
      return openOciArchive(ref.path, ref.ref, platform, reference);
    case 'docker-archive':
      return openDockerArchive(ref.path, ref.ref, reference);
    case 'docker-daemon':
      return openDaemonImage(ref.name, reference, options.dockerHost);
  }
}
