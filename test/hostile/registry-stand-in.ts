/**
 * Registry stand-ins on 127.0.0.1 for what a real registry cannot be made to do on purpose:
 * stream a layer forever, or drip a response one byte every few seconds (so that no idle timer
 * ever fires). Each serves one image, `hostile/<mode>:latest`.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { endlessLayerImage, sha256 } from './fixtures.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';

function indexFor(manifest: Buffer): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: INDEX,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: sha256(manifest),
        size: manifest.length,
        platform: { os: 'linux', architecture: 'arm64' },
      },
    ],
  });
}

export type StandInMode = 'endless-layer' | 'drip-manifest' | 'drip-layer' | 'platform-mismatch';

export interface StandIn {
  host: string;
  close(): Promise<void>;
}

/** The uncompressed layer's declared size: the walk must stop reading there. */
export const ENDLESS_DECLARED = 64 << 20;

export async function startStandIn(mode: StandInMode): Promise<StandIn> {
  const image = endlessLayerImage(ENDLESS_DECLARED);
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const drip = (res: ServerResponse, headers: Record<string, string>): void => {
    res.writeHead(200, headers);
    const t = setInterval(() => res.write(' '), 2000);
    timers.add(t);
    res.on('close', () => clearInterval(t));
  };
  const endless = (res: ServerResponse): void => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    const chunk = Buffer.alloc(1 << 20);
    const pump = (): void => {
      while (res.write(chunk));
      res.once('drain', pump);
    };
    pump();
  };
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    const manifestType = 'application/vnd.oci.image.manifest.v1+json';
    if (url === '/v2/') return void res.writeHead(200).end('{}');
    if (url.endsWith('/manifests/latest') && mode === 'platform-mismatch') {
      // The index calls the (amd64) image arm64.
      return void res.writeHead(200, { 'Content-Type': INDEX }).end(indexFor(image.manifest));
    }
    if (url.endsWith('/manifests/latest') || url.includes('/manifests/sha256:')) {
      if (mode === 'drip-manifest') return drip(res, { 'Content-Type': manifestType });
      return void res.writeHead(200, { 'Content-Type': manifestType }).end(image.manifest);
    }
    const blob = /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url)?.[1];
    if (blob === image.layerDigest) {
      if (mode === 'drip-layer') return drip(res, { 'Content-Type': 'application/octet-stream' });
      return endless(res);
    }
    const bytes = blob ? image.blobs.get(blob) : undefined;
    if (bytes) return void res.writeHead(200).end(bytes);
    res
      .writeHead(404, { 'Content-Type': 'application/json' })
      .end('{"errors":[{"code":"NOT_FOUND"}]}');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearInterval(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
