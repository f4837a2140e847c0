/**
 * sigstore's own mock services (@sigstore/mock: a Fulcio CA with a CT log, a timestamp authority,
 * a Rekor log) mounted on one real HTTP server on 127.0.0.1, and the trusted root that names
 * them, for keyless signing tests. The OIDC token is a well-formed unsigned JWT: the mock
 * Fulcio reads its claims without checking a signature, which no real Fulcio would do.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import {
  fulcioHandler,
  type HandlerFn,
  initializeCA,
  initializeCTLog,
  initializeTLog,
  initializeTSA,
  rekorHandler,
  tsaHandler,
} from '@sigstore/mock';
import { HashAlgorithm, PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';

export interface MockSigstore {
  url: string;
  /** trusted_root.json for the mock services (what a verifier is given). */
  trustedRoot: unknown;
  token(claims: Record<string, unknown>): string;
  stop(): Promise<void>;
}

const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

export async function startMockSigstore(): Promise<MockSigstore> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  // One fixed clock for all services, with exactly three digits of milliseconds: the mock TSA
  // writes genTime's fraction without trailing zeros (".5Z"), which @sigstore/core's parser
  // (three digits or none) refuses, so a real clock fails whenever the milliseconds end in 0.
  const clock = new Date(Math.floor(Date.now() / 1000) * 1000 + 123);
  const ctLog = await initializeCTLog(keyPair(), clock);
  const ca = await initializeCA(keyPair(), ctLog, clock);
  const tsa = await initializeTSA(keyPair(), clock);
  const tlog = await initializeTLog(url, keyPair(), clock);
  const routes = new Map<string, HandlerFn>();
  for (const h of [fulcioHandler(ca), tsaHandler(tsa), rekorHandler(tlog)])
    routes.set(h.path, h.fn);
  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const fn = routes.get(req.url ?? '');
      if (req.method !== 'POST' || !fn) {
        res.writeHead(404).end();
        return;
      }
      fn(Buffer.concat(chunks).toString()).then(
        ({ statusCode, response, contentType }) => {
          res.writeHead(statusCode, { 'Content-Type': contentType ?? 'application/json' });
          res.end(
            typeof response === 'string'
              ? response
              : Buffer.from(response.buffer, response.byteOffset, response.byteLength),
          );
        },
        () => res.writeHead(500).end(),
      );
    });
  });
  const start = new Date(Date.now() - 3_600_000);
  const raw = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  const root = TrustedRoot.toJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    certificateAuthorities: [
      {
        subject: { organization: 'mock', commonName: 'mock fulcio' },
        uri: url,
        certChain: { certificates: [{ rawBytes: raw(ca.rootCertificate) }] },
        validFor: { start },
        operator: 'mock',
      },
    ],
    ctlogs: [
      {
        baseUrl: url,
        hashAlgorithm: HashAlgorithm.SHA2_256,
        publicKey: {
          rawBytes: ctLog.publicKey,
          keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
          validFor: { start },
        },
        logId: { keyId: raw(ctLog.logID) },
        operator: 'mock',
      },
    ],
    timestampAuthorities: [
      {
        subject: { organization: 'mock', commonName: 'mock tsa' },
        uri: url,
        certChain: {
          certificates: [
            { rawBytes: raw(tsa.intCertificate) },
            { rawBytes: raw(tsa.rootCertificate) },
          ],
        },
        validFor: { start },
        operator: 'mock',
      },
    ],
    tlogs: [
      {
        baseUrl: url,
        hashAlgorithm: HashAlgorithm.SHA2_256,
        publicKey: {
          rawBytes: tlog.publicKey,
          keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
          validFor: { start },
        },
        logId: { keyId: createHash('sha256').update(tlog.publicKey).digest() },
        operator: 'mock',
      },
    ],
  } as TrustedRoot);
  return {
    url,
    trustedRoot: root,
    token: (claims) => {
      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ aud: 'sigstore', iat: now, exp: now + 600, ...claims })}.`;
    },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
