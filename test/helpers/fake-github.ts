/**
 * A stand-in for api.github.com on 127.0.0.1, for running the action as the runner would. It
 * keeps issue comments and commit statuses in memory and answers as GitHub does (status codes,
 * bodies with `id`/`html_url`/`body`, `Link` pagination, 403 for a read-only token, 422 for a
 * body over 65,536 characters or a status description over 140). Every request is checked
 * against GitHub's own REST API description (@octokit/openapi): the method and path must be an
 * operation of the API, path and query parameters must fit their schemas, and the JSON body the
 * operation's requestBody schema. Anything else is a `violation`, and a test fails on those.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import * as formats from 'ajv-formats';

const require = createRequire(import.meta.url);

type Json = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Json;
}

interface Operation {
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Json }> };
}

interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Json; parameters: Record<string, Parameter> };
}

interface Route {
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  literals: number;
  op: Operation;
}

const COMPONENTS_ID = 'https://api.github.com/openapi-components';

/** The api.github.com description, parsed once per test file (it is 13 MB). */
let loaded: { spec: Spec; routes: Route[]; ajv: Ajv } | undefined;

function load(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as Spec;
  const routes: Route[] = [];
  for (const [template, methods] of Object.entries(spec.paths)) {
    const names: string[] = [];
    const source = template
      .split('/')
      .map((segment) =>
        segment.replace(/\{([^}]+)\}|[^{]+/g, (m, name?: string) => {
          if (name === undefined) return m.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
          names.push(name);
          return '([^/]+)';
        }),
      )
      .join('/');
    const literals = template.split('/').filter((s) => s !== '' && !s.includes('{')).length;
    for (const [method, op] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      // `{sha}` of statuses is x-multi-segment: a ref such as `heads/main` has slashes.
      const multi = (op.parameters ?? []).some(
        (p) => (p as unknown as Json)['x-multi-segment'] === true,
      );
      const regex = new RegExp(`^${multi ? source.replace(/\(\[\^\/\]\+\)$/, '(.+)') : source}$`);
      routes.push({ method: method.toUpperCase(), template, regex, names, literals, op });
    }
  }
  // The most specific template first: `/issues/comments` before `/issues/{issue_number}`.
  routes.sort((a, b) => b.literals - a.literals);
  const ajv = new Ajv({ strict: false, allErrors: true });
  // ajv-formats is CommonJS with `exports.default`; the namespace import works in Node and Vite.
  const addFormats = ((formats as unknown as { default?: unknown }).default ?? formats) as (
    a: Ajv,
  ) => void;
  addFormats(ajv);
  ajv.addSchema({ $id: COMPONENTS_ID, components: { schemas: spec.components.schemas } });
  loaded = { spec, routes, ajv };
  return loaded;
}

/** `#/components/…` refs of an operation point into the components schema added above. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] =
      k === '$ref' && typeof v === 'string' && v.startsWith('#/')
        ? `${COMPONENTS_ID}${v}`
        : rebase(v);
  }
  return out;
}

const compiled = new Map<string, ValidateFunction>();
function validator(key: string, schema: Json): ValidateFunction {
  let v = compiled.get(key);
  if (!v) {
    v = load().ajv.compile(rebase(schema) as Json);
    compiled.set(key, v);
  }
  return v;
}

function parameter(p: Parameter | { $ref: string }): Parameter {
  if (!('$ref' in p)) return p;
  const name = p.$ref.replace('#/components/parameters/', '');
  return load().spec.components.parameters[name]!;
}

/** A path or query string as the type its schema declares, so ajv can check it. */
function coerce(value: string, schema: Json | undefined): unknown {
  const type = schema?.type;
  if (type === 'integer' || type === 'number')
    return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

/** The operation a request is, and what is wrong with it against the API description. */
export function checkRequest(
  method: string,
  url: URL,
  body: unknown,
): { template?: string; params: Record<string, string>; problems: string[] } {
  const { routes } = load();
  const path = decodeURI(url.pathname);
  const route = routes.find((r) => r.method === method && r.regex.test(url.pathname));
  if (!route)
    return {
      params: {},
      problems: [`${method} ${path} is not an operation of the GitHub REST API`],
    };
  const problems: string[] = [];
  const m = route.regex.exec(url.pathname)!;
  const params: Record<string, string> = {};
  route.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
  const declared = (route.op.parameters ?? []).map(parameter);
  const where = `${method} ${route.template}`;
  for (const p of declared) {
    if (p.in !== 'path' && p.in !== 'query') continue;
    const raw = p.in === 'path' ? params[p.name] : (url.searchParams.get(p.name) ?? undefined);
    if (raw === undefined) {
      if (p.required) problems.push(`${where}: missing ${p.in} parameter ${p.name}`);
      continue;
    }
    const v = validator(`${where} ${p.in} ${p.name}`, p.schema ?? {});
    if (!v(coerce(raw, p.schema))) {
      problems.push(
        `${where}: ${p.in} parameter ${p.name}=${raw}: ${load().ajv.errorsText(v.errors)}`,
      );
    }
  }
  for (const name of url.searchParams.keys()) {
    if (!declared.some((p) => p.in === 'query' && p.name === name)) {
      problems.push(`${where}: unknown query parameter ${name}`);
    }
  }
  const schema = route.op.requestBody?.content?.['application/json']?.schema;
  if (schema) {
    if (body === undefined && route.op.requestBody?.required)
      problems.push(`${where}: no JSON body`);
    const v = validator(`${where} body`, schema);
    if (body !== undefined && !v(body))
      problems.push(`${where}: body: ${load().ajv.errorsText(v.errors)}`);
  } else if (body !== undefined) {
    problems.push(`${where} takes no body`);
  }
  return { template: route.template, params, problems };
}

export interface RecordedRequest {
  method: string;
  /** The operation's path template, e.g. `/repos/{owner}/{repo}/statuses/{sha}`. */
  route?: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  authorization?: string;
}

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
}

export interface FakeStatus {
  id: number;
  sha: string;
  state: string;
  context: string;
  description?: string | null;
  target_url?: string | null;
}

export interface FakeGitHub {
  /** GITHUB_API_URL for the action. */
  url: string;
  requests: RecordedRequest[];
  comments: FakeComment[];
  statuses: FakeStatus[];
  /** Requests that do not fit the API description (each a message). */
  violations: string[];
  /** Answer 403 to every write, as GitHub does for a fork's read-only token. */
  forbidWrites: boolean;
  /** Adds comments by other users to an issue (to push ours past the first page). */
  seedComments(issue: number, count: number, body?: (i: number) => string): void;
  commentsOn(issue: number): FakeComment[];
  reset(): void;
  close(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';

export async function startFakeGitHub(options: {
  owner: string;
  repo: string;
}): Promise<FakeGitHub> {
  load();
  let nextId = 1000;
  const state = {
    requests: [] as RecordedRequest[],
    comments: [] as FakeComment[],
    statuses: [] as FakeStatus[],
    violations: [] as string[],
    forbidWrites: false,
  };
  let base = '';
  const repoPath = `${options.owner}/${options.repo}`;

  const commentJson = (c: FakeComment): Json => ({
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${base}/repos/${repoPath}/issues/comments/${c.id}`,
    html_url: `https://github.com/${repoPath}/pull/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${base}/repos/${repoPath}/issues/${c.issue}`,
    body: c.body,
    user: {
      login: c.user,
      id: c.user === 'github-actions[bot]' ? 41898282 : 1,
      type: c.user.endsWith('[bot]') ? 'Bot' : 'User',
    },
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: c.user.endsWith('[bot]') ? 'NONE' : 'MEMBER',
  });

  function send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      ...headers,
    });
    res.end(text);
  }

  function validationFailed(
    res: ServerResponse,
    resource: string,
    field: string,
    message: string,
  ): void {
    send(res, 422, {
      message: 'Validation Failed',
      errors: [{ resource, code: 'custom', field, message }],
      documentation_url: DOCS,
      status: '422',
    });
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    let body: unknown;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        state.violations.push(`${method} ${url.pathname}: body is not JSON`);
        send(res, 400, {
          message: 'Problems parsing JSON',
          documentation_url: DOCS,
          status: '400',
        });
        return;
      }
    }
    const checked = checkRequest(method, url, body);
    state.requests.push({
      method,
      ...(checked.template ? { route: checked.template } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(body !== undefined ? { body } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    if (checked.problems.length > 0) {
      state.violations.push(...checked.problems);
      send(res, checked.template ? 422 : 404, {
        message: checked.problems.join('; '),
        documentation_url: DOCS,
      });
      return;
    }
    if (!req.headers.authorization) {
      send(res, 401, {
        message: 'Requires authentication',
        documentation_url: DOCS,
        status: '401',
      });
      return;
    }
    const p = checked.params;
    if (`${p.owner}/${p.repo}` !== repoPath) {
      send(res, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
      return;
    }
    if (method !== 'GET' && state.forbidWrites) {
      send(res, 403, {
        message: 'Resource not accessible by integration',
        documentation_url: DOCS,
        status: '403',
      });
      return;
    }
    const route = `${method} ${checked.template}`;
    const now = new Date().toISOString();
    switch (route) {
      case 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        const all = state.comments.filter((c) => c.issue === Number(p.issue_number));
        const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
        const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
        const last = Math.max(1, Math.ceil(all.length / perPage));
        const link = (n: number, rel: string): string => {
          const u = new URL(url);
          u.searchParams.set('per_page', String(perPage));
          u.searchParams.set('page', String(n));
          return `<${u.toString()}>; rel="${rel}"`;
        };
        const links: string[] = [];
        if (page > 1) links.push(link(page - 1, 'prev'));
        if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
        if (page > 1) links.push(link(1, 'first'));
        send(
          res,
          200,
          all.slice((page - 1) * perPage, page * perPage).map(commentJson),
          links.length > 0 ? { link: links.join(', ') } : {},
        );
        return;
      }
      case 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        const text = (body as { body: string }).body;
        if (text.length > 65_536) {
          validationFailed(
            res,
            'IssueComment',
            'body',
            'body is too long (maximum is 65536 characters)',
          );
          return;
        }
        const c: FakeComment = {
          id: nextId++,
          issue: Number(p.issue_number),
          body: text,
          user: 'github-actions[bot]',
          created_at: now,
          updated_at: now,
        };
        state.comments.push(c);
        send(res, 201, commentJson(c), {
          location: `${base}/repos/${repoPath}/issues/comments/${c.id}`,
        });
        return;
      }
      case 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': {
        const c = state.comments.find((x) => x.id === Number(p.comment_id));
        if (!c) {
          send(res, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
          return;
        }
        const text = (body as { body: string }).body;
        if (text.length > 65_536) {
          validationFailed(
            res,
            'IssueComment',
            'body',
            'body is too long (maximum is 65536 characters)',
          );
          return;
        }
        c.body = text;
        c.updated_at = now;
        send(res, 200, commentJson(c));
        return;
      }
      case 'POST /repos/{owner}/{repo}/statuses/{sha}': {
        const b = body as Omit<FakeStatus, 'id' | 'sha'>;
        if ((b.description ?? '').length > 140) {
          validationFailed(
            res,
            'Status',
            'description',
            'description is too long (maximum is 140 characters)',
          );
          return;
        }
        if (!/^[0-9a-f]{40}$/.test(p.sha!)) {
          send(res, 422, {
            message: `No commit found for SHA: ${p.sha}`,
            documentation_url: DOCS,
            status: '422',
          });
          return;
        }
        const s: FakeStatus = { id: nextId++, sha: p.sha!, ...b };
        state.statuses.push(s);
        send(res, 201, {
          ...s,
          url: `${base}/repos/${repoPath}/statuses/${s.sha}`,
          node_id: `SC_${s.id}`,
          created_at: now,
          updated_at: now,
        });
        return;
      }
      default:
        // A valid GitHub operation the action has no business calling.
        state.violations.push(`unexpected operation ${route}`);
        send(res, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        state.violations.push(`fake GitHub crashed: ${(err as Error).stack}`);
        send(res, 500, { message: 'Server Error' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    get requests() {
      return state.requests;
    },
    get comments() {
      return state.comments;
    },
    get statuses() {
      return state.statuses;
    },
    get violations() {
      return state.violations;
    },
    get forbidWrites() {
      return state.forbidWrites;
    },
    set forbidWrites(v: boolean) {
      state.forbidWrites = v;
    },
    seedComments(issue, count, body = (i) => `LGTM ${i}`) {
      const now = new Date().toISOString();
      for (let i = 0; i < count; i++) {
        state.comments.push({
          id: nextId++,
          issue,
          body: body(i),
          user: 'octocat',
          created_at: now,
          updated_at: now,
        });
      }
    },
    commentsOn: (issue) => state.comments.filter((c) => c.issue === issue),
    reset() {
      state.requests = [];
      state.comments = [];
      state.statuses = [];
      state.violations = [];
      state.forbidWrites = false;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
