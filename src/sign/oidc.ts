import { GateError } from '../errors.js';

type Env = Record<string, string | undefined>;

/**
 * The OIDC identity token keyless signing presents to Fulcio: `SIGSTORE_ID_TOKEN` when set (any
 * CI), else GitHub Actions' token endpoint with audience `sigstore` (needs `id-token: write`).
 * Fetched when signing starts, so a short-lived token is fresh.
 */
export async function identityToken(env: Env = process.env): Promise<string> {
  if (env.SIGSTORE_ID_TOKEN) return env.SIGSTORE_ID_TOKEN;
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !bearer) {
    throw new GateError(
      'auth',
      'keyless signing needs an OIDC token: set SIGSTORE_ID_TOKEN, or run in GitHub Actions with permissions id-token: write',
    );
  }
  const request = new URL(url);
  request.searchParams.set('audience', 'sigstore');
  const res = await fetch(request, { headers: { Authorization: `bearer ${bearer}` } });
  if (!res.ok) {
    throw new GateError('auth', `GitHub's OIDC token endpoint answered ${res.status}`);
  }
  const body = (await res.json()) as { value?: unknown };
  if (typeof body.value !== 'string') {
    throw new GateError('auth', "GitHub's OIDC token endpoint sent no token");
  }
  return body.value;
}

/** The `iss` claim of a JWT (not verified: Fulcio verifies the token; this only names it). */
export function tokenIssuer(token: string): string {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      iss?: unknown;
    };
    if (typeof claims.iss === 'string') return claims.iss;
  } catch {
    // fall through
  }
  throw new GateError('auth', 'the OIDC token is not a JWT with an issuer (iss)');
}
