/**
 * A local GitHub API (REST and GraphQL) for tests that refuses anything GitHub does not define.
 *
 * A real `node:http` server on 127.0.0.1 with an ephemeral port: the code under test talks to it
 * with real sockets (Octokit with `baseUrl: server.url`, or `fetch`). Unlike a plain fake, every
 * request is checked against GitHub's own published descriptions before a test's handler sees it:
 *
 * - REST: GitHub's OpenAPI description of api.github.com (`@octokit/openapi`): the path must match
 *   a path template, the method must be defined for it, every query parameter must be declared by
 *   that operation (and its value must fit the declared type or enum; required ones must be there),
 *   path parameters must fit their declared type. Anything else is answered 501 with a body naming
 *   the problem.
 * - GraphQL (`POST /graphql`): the body is parsed and validated with graphql-js against GitHub's
 *   published schema (`@octokit/graphql-schema`), variables are coerced against their declared
 *   types, and connections must be paginated with `first`/`last` of at most 100 as GitHub requires.
 *   An invalid query is answered like GitHub does: status 200 with `{ errors: [...] }`.
 *
 * Every refused request is also recorded in {@link GitHubApiServer.unexpected}, so a test can assert
 * it is empty; in strict mode (the default) {@link GitHubApiServer.close} rejects while it is not.
 * A defined operation that the test registered no handler for counts as unexpected too.
 *
 * Faults can be injected for the next N matching requests: rate limits with `Retry-After`, any
 * status, connection reset, slow responses, truncated JSON.
 *
 * The OpenAPI file is large (13 MB for api.github.com, 73 MB dereferenced: only the former is
 * read). Only paths, methods, operation ids and parameters are kept; the compiled index is cached
 * in module scope and on disk (`node_modules/.cache/security-gate-github-api/`), keyed by the
 * package version and the extraction code, so that each test file (jest gives each its own module
 * registry) does not parse 13 MB again: ~120 ms from the OpenAPI file, ~15 ms from the cache.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GraphQLError,
  Kind,
  buildClientSchema,
  getNamedType,
  getOperationAST,
  getVariableValues,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type IntrospectionQuery,
  type OperationDefinitionNode,
  type ValidationRule,
  type ValueNode,
} from 'graphql';

// ---------------------------------------------------------------------------------------------
// Loading GitHub's descriptions
// ---------------------------------------------------------------------------------------------

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Finds `node_modules/<rel>` walking up from this file, as Node's resolution would. */
function findInNodeModules(rel: string): string {
  for (let dir = HERE; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', rel);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`cannot find node_modules/${rel}`);
  }
}

/** The subset of a JSON schema that query and path parameters use. */
export interface ParamSchema {
  type?: string;
  enum?: unknown[];
  items?: ParamSchema;
  oneOf?: ParamSchema[];
}

interface ParamSpec {
  name: string;
  required: boolean;
  schema: ParamSchema;
}

interface OperationSpec {
  operationId: string;
  method: string;
  template: string;
  query: ParamSpec[];
  path: ParamSpec[];
}

interface PathEntry {
  template: string;
  /** Upper-case method → operation. */
  methods: Record<string, OperationSpec>;
}

interface CompiledPath extends PathEntry {
  /** Each path parameter matches one segment. */
  exact: RegExp;
  /** `{path}`, `{ref}` and `{branch}` may also span segments (GitHub accepts unencoded `/`). */
  spanning: RegExp | undefined;
  paramNames: string[];
  /** Literal characters: the more, the more specific (`/pulls/comments` beats `/pulls/{n}`). */
  specificity: number;
}

export interface OpenApiIndex {
  /** `@octokit/openapi` version the index was built from. */
  version: string;
  paths: CompiledPath[];
  byOperationId: Map<string, OperationSpec>;
  /** `GET /repos/{owner}/{repo}` → operation. */
  byRoute: Map<string, OperationSpec>;
  stats: { operations: number; paths: number; ms: number; source: 'openapi' | 'disk-cache' };
}

const SPANNING_PARAMS = new Set(['path', 'ref', 'branch']);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads api.github.com's paths, keeping only operation ids and parameters. */
function extractPaths(doc: Json): PathEntry[] {
  const components = isObject(doc.components) ? doc.components : {};
  const resolve = (v: unknown, depth = 0): unknown => {
    if (!isObject(v) || typeof v.$ref !== 'string' || depth > 8) return v;
    const [, , kind, name] = v.$ref.split('/'); // #/components/<kind>/<name>
    const table = components[kind ?? ''];
    return resolve(isObject(table) ? table[name ?? ''] : undefined, depth + 1);
  };
  const compactSchema = (v: unknown, depth = 0): ParamSchema => {
    const s = resolve(v);
    if (!isObject(s) || depth > 4) return {};
    const out: ParamSchema = {};
    if (typeof s.type === 'string') out.type = s.type;
    if (Array.isArray(s.enum)) out.enum = s.enum;
    if (s.items !== undefined) out.items = compactSchema(s.items, depth + 1);
    const alternatives = s.oneOf ?? s.anyOf;
    if (Array.isArray(alternatives))
      out.oneOf = alternatives.map((a) => compactSchema(a, depth + 1));
    return out;
  };
  const entries: PathEntry[] = [];
  for (const [template, item] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
    if (!isObject(item)) continue;
    const shared: unknown[] = Array.isArray(item.parameters) ? item.parameters : [];
    const methods: Record<string, OperationSpec> = {};
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!isObject(op) || typeof op.operationId !== 'string') continue;
      const spec: OperationSpec = {
        operationId: op.operationId,
        method: method.toUpperCase(),
        template,
        query: [],
        path: [],
      };
      const own: unknown[] = Array.isArray(op.parameters) ? op.parameters : [];
      for (const raw of [...shared, ...own]) {
        const p = resolve(raw);
        if (!isObject(p) || typeof p.name !== 'string') continue;
        const param = {
          name: p.name,
          required: p.required === true,
          schema: compactSchema(p.schema),
        };
        if (p.in === 'query') spec.query.push(param);
        else if (p.in === 'path') spec.path.push(param);
      }
      methods[spec.method] = spec;
    }
    entries.push({ template, methods });
  }
  return entries;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compilePath(entry: PathEntry): CompiledPath {
  const paramNames: string[] = [];
  let exact = '';
  let spanning = '';
  let spans = false;
  let specificity = 0;
  let last = 0;
  for (const m of entry.template.matchAll(/\{([^}]+)\}/g)) {
    const literal = entry.template.slice(last, m.index);
    specificity += literal.length;
    exact += escapeRegExp(literal) + '([^/]+)';
    const name = m[1] ?? '';
    const span = SPANNING_PARAMS.has(name);
    spans ||= span;
    spanning += escapeRegExp(literal) + (span ? '(.+?)' : '([^/]+)');
    paramNames.push(name);
    last = m.index + m[0].length;
  }
  const tail = entry.template.slice(last);
  specificity += tail.length;
  exact += escapeRegExp(tail);
  spanning += escapeRegExp(tail);
  return {
    ...entry,
    paramNames,
    specificity,
    exact: new RegExp(`^${exact}$`),
    spanning: spans ? new RegExp(`^${spanning}$`) : undefined,
  };
}

let cachedIndex: OpenApiIndex | undefined;

/**
 * Loads (once per module instance) the index of GitHub's REST API: from the disk cache when it
 * was built from the same `@octokit/openapi` version, else from the OpenAPI file.
 */
export function loadOpenApiIndex(): OpenApiIndex {
  if (cachedIndex) return cachedIndex;
  const started = performance.now();
  const pkgDir = path.dirname(findInNodeModules('@octokit/openapi/package.json'));
  const version = (JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as Json)
    .version as string;
  const cacheDir = path.join(pkgDir, '..', '..', '.cache', 'security-gate-github-api');
  // Keyed by the package version and by the extraction code itself: editing it invalidates.
  const key = createHash('sha256')
    .update(`${version}\n${extractPaths.toString()}`)
    .digest('hex')
    .slice(0, 16);
  const cacheFile = path.join(cacheDir, `openapi-${version}-${key}.json`);
  let entries: PathEntry[] | undefined;
  let source: OpenApiIndex['stats']['source'] = 'disk-cache';
  try {
    entries = JSON.parse(readFileSync(cacheFile, 'utf8')) as PathEntry[];
  } catch {
    source = 'openapi';
    const file = path.join(pkgDir, 'generated', 'api.github.com.json');
    entries = extractPaths(JSON.parse(readFileSync(file, 'utf8')) as Json);
    try {
      // Write-then-rename: parallel jest workers never read a half-written cache.
      mkdirSync(cacheDir, { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(entries));
      renameSync(tmp, cacheFile);
    } catch {
      // A read-only node_modules only costs time.
    }
  }
  const paths = entries.map(compilePath).sort((a, b) => b.specificity - a.specificity);
  const byOperationId = new Map<string, OperationSpec>();
  const byRoute = new Map<string, OperationSpec>();
  for (const p of paths) {
    for (const op of Object.values(p.methods)) {
      byOperationId.set(op.operationId, op);
      byRoute.set(`${op.method} ${op.template}`, op);
    }
  }
  cachedIndex = {
    version,
    paths,
    byOperationId,
    byRoute,
    stats: {
      operations: byOperationId.size,
      paths: paths.length,
      ms: performance.now() - started,
      source,
    },
  };
  return cachedIndex;
}

let cachedSchema: { schema: GraphQLSchema; ms: number } | undefined;

/** Loads (once per module instance) GitHub's published GraphQL schema. */
export function loadGraphQLSchema(): { schema: GraphQLSchema; ms: number } {
  if (cachedSchema) return cachedSchema;
  const started = performance.now();
  // The package's own entry point also builds a second schema for its `validate`: read the
  // introspection result directly (buildClientSchema is ~3x faster than building from the SDL).
  const json = JSON.parse(
    readFileSync(findInNodeModules('@octokit/graphql-schema/schema.json'), 'utf8'),
  ) as IntrospectionQuery | { data: IntrospectionQuery };
  const schema = buildClientSchema('data' in json ? json.data : json, { assumeValid: true });
  cachedSchema = { schema, ms: performance.now() - started };
  return cachedSchema;
}

// ---------------------------------------------------------------------------------------------
// Checking requests
// ---------------------------------------------------------------------------------------------

function fits(value: string, schema: ParamSchema): boolean {
  if (schema.oneOf?.length) return schema.oneOf.some((s) => fits(value, s));
  if (schema.type === 'array') {
    // `x[]=a&x[]=b` arrives value by value; `x=a,b` as one comma-separated value.
    const items = schema.items ?? {};
    return value.split(',').every((v) => fits(v, items));
  }
  if (schema.enum && !schema.enum.some((e) => String(e) === value)) return false;
  switch (schema.type) {
    case 'integer':
      return /^-?\d+$/.test(value);
    case 'number':
      return value.trim() !== '' && Number.isFinite(Number(value));
    case 'boolean':
      return value === 'true' || value === 'false';
    default:
      return true;
  }
}

function describeSchema(schema: ParamSchema): string {
  if (schema.oneOf?.length) return schema.oneOf.map(describeSchema).join(' | ');
  if (schema.enum) return schema.enum.map((e) => JSON.stringify(e)).join(' | ');
  if (schema.type === 'array') return `array of ${describeSchema(schema.items ?? {})}`;
  return schema.type ?? 'any';
}

interface RouteMatch {
  path: CompiledPath;
  params: Record<string, string>;
}

function matchPath(index: OpenApiIndex, rawPath: string): RouteMatch | undefined {
  for (const pass of ['exact', 'spanning'] as const) {
    for (const p of index.paths) {
      const re = pass === 'exact' ? p.exact : p.spanning;
      const m = re?.exec(rawPath);
      if (!m) continue;
      const params: Record<string, string> = {};
      p.paramNames.forEach((name, i) => {
        const raw = m[i + 1] ?? '';
        try {
          params[name] = decodeURIComponent(raw);
        } catch {
          params[name] = raw;
        }
      });
      return { path: p, params };
    }
  }
  return undefined;
}

/** GitHub's pagination rule, which graphql-js cannot know: connections need `first` or `last`. */
function connectionPaginationRule(variables: Record<string, unknown>): ValidationRule {
  return (context) => ({
    Field(node) {
      const def = context.getFieldDef();
      if (!def) return;
      const argNames = new Set(def.args.map((a) => a.name));
      if (!argNames.has('first') || !argNames.has('last')) return;
      if (!getNamedType(def.type).name.endsWith('Connection')) return;
      const valueOf = (v: ValueNode | undefined): unknown => {
        if (!v) return undefined;
        if (v.kind === Kind.VARIABLE) return variables[v.name.value];
        if (v.kind === Kind.INT) return Number(v.value);
        if (v.kind === Kind.NULL) return null;
        return undefined;
      };
      const given: Record<string, unknown> = {};
      for (const a of node.arguments ?? []) given[a.name.value] = valueOf(a.value);
      const name = node.name.value;
      if (given.first == null && given.last == null) {
        context.reportError(
          new GraphQLError(
            `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`,
            { nodes: node, extensions: { code: 'missingPaginationBoundaries' } },
          ),
        );
        return;
      }
      for (const which of ['first', 'last'] as const) {
        const n = given[which];
        if (typeof n === 'number' && (n > 100 || n < 0)) {
          context.reportError(
            new GraphQLError(
              n < 0
                ? `\`${which}\` on the \`${name}\` connection cannot be less than zero.`
                : `Requesting ${n} records on the \`${name}\` connection exceeds the \`${which}\` limit of 100 records.`,
              { nodes: node, extensions: { code: 'EXCESSIVE_PAGINATION' } },
            ),
          );
        }
      }
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

export interface ApiRequest {
  api: 'rest' | 'graphql' | 'unknown';
  method: string;
  /** Path without the query, as received (still percent-encoded). */
  path: string;
  /** Query parameters (the last value of a repeated name; `x[]` is listed as `x[]`). */
  query: Record<string, string>;
  searchParams: URLSearchParams;
  /** Lower-cased header names; repeated headers joined with `, `. */
  headers: Record<string, string | undefined>;
  /** Parsed JSON body, or the text when it is not JSON, or undefined when empty. */
  body: unknown;
  /** REST: the OpenAPI operation id, e.g. `repos/list-pull-requests-associated-with-commit`. */
  operationId?: string;
  /** REST: the OpenAPI path template, e.g. `/repos/{owner}/{repo}/commits/{commit_sha}/pulls`. */
  template?: string;
  /** REST: decoded path parameters, e.g. `{ owner: 'o', repo: 'r', commit_sha: 'abc' }`. */
  params: Record<string, string>;
  /** GraphQL: the operation's name, when it has one. */
  graphqlOperation?: string;
}

export interface RestResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RestHandler = (req: ApiRequest) => RestResponse | Promise<RestResponse>;

export interface GraphQLRequest {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** Variables as sent (already checked against their declared types). */
  variables: Record<string, unknown>;
  operationName?: string;
  request: ApiRequest;
}

/** Returns the response body, e.g. `{ data: { repository: … } }` or `{ errors: [...] }`. */
export type GraphQLHandler = (req: GraphQLRequest) => unknown;

export type UnexpectedKind =
  | 'undefined-path'
  | 'undefined-method'
  | 'undeclared-query-parameter'
  | 'invalid-query-parameter'
  | 'missing-query-parameter'
  | 'invalid-path-parameter'
  | 'no-handler'
  | 'handler-error'
  | 'graphql-bad-request'
  | 'graphql-invalid'
  | 'graphql-bad-response';

export interface UnexpectedRequest {
  kind: UnexpectedKind;
  method: string;
  /** Path with query, as received. */
  url: string;
  operationId?: string;
  /** Every problem found, e.g. `query parameter "per_pag" is not declared by …`. */
  problems: string[];
}

export type Fault =
  /** Secondary rate limit: `status` (default 429) with `Retry-After: retryAfter` (default 1). */
  | { type: 'rate-limit'; status?: 403 | 429; retryAfter?: number }
  /** Primary rate limit: 403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset`. */
  | { type: 'rate-limit-exhausted'; resetInSeconds?: number }
  /** Any status (5xx, or 200 with a GraphQL `{ errors }` body, …). Body defaults to GitHub's. */
  | { type: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** The socket is destroyed before any byte of a response. */
  | { type: 'reset' }
  /** The real response, with `delayMs` before the headers (`at: 'headers'`) or mid-body. */
  | { type: 'slow'; delayMs: number; at?: 'headers' | 'body' }
  /**
   * The real response cut after `bytes` bytes (default: half). `clean` (default) ends a chunked
   * response normally: status 200 with invalid JSON. `abort` declares the full length, then
   * destroys the socket.
   */
  | { type: 'truncated'; bytes?: number; mode?: 'clean' | 'abort' };

interface PendingFault {
  match: string;
  fault: Fault;
  remaining: number;
}

const GRAPHQL_PATHS = new Set(['/graphql', '/api/graphql']);
const DOCS = 'https://docs.github.com/rest';

export class GitHubApiServer {
  /** Every request received, in order. */
  readonly requests: ApiRequest[] = [];
  /** Requests refused because GitHub does not define them, or that no handler served. */
  readonly unexpected: UnexpectedRequest[] = [];
  private readonly handlers = new Map<string, RestHandler>();
  private graphqlHandler: GraphQLHandler | undefined;
  private faults: PendingFault[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: http.Server,
    /** `http://127.0.0.1:PORT`, no trailing slash: Octokit's `baseUrl`. */
    readonly url: string,
    readonly index: OpenApiIndex,
    private readonly strict: boolean,
  ) {}

  /**
   * Starts a server on 127.0.0.1 with an ephemeral port. `strict` (default true): `close()`
   * rejects while {@link unexpected} is not empty (use {@link takeUnexpected} after asserting on
   * refusals a test provoked on purpose).
   */
  static async start(opts: { strict?: boolean } = {}): Promise<GitHubApiServer> {
    const index = loadOpenApiIndex();
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const api = new GitHubApiServer(server, `http://127.0.0.1:${port}`, index, opts.strict ?? true);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      void api.handle(req, res);
    });
    return api;
  }

  /**
   * Serves a REST operation, named by its OpenAPI operation id
   * (`repos/list-pull-requests-associated-with-commit`) or by method and path template
   * (`GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls`). Throws at once for a name GitHub
   * does not define. A later handler for the same operation replaces the earlier one.
   */
  rest(operation: string, handler: RestHandler): this {
    this.handlers.set(this.operation(operation).operationId, handler);
    return this;
  }

  /** Serves GraphQL. The handler only sees documents valid against GitHub's schema. */
  graphql(handler: GraphQLHandler): this {
    loadGraphQLSchema();
    this.graphqlHandler = handler;
    return this;
  }

  /**
   * Makes the next `times` requests matching `match` fail with `fault`: an operation id or
   * route as for {@link rest}, `graphql`, `graphql:OperationName`, or `*` for any request. Faults
   * apply to requests that passed the checks, in the order they were added.
   */
  fault(match: string, fault: Fault, times = 1): this {
    let key = match;
    if (match !== '*' && match !== 'graphql' && !match.startsWith('graphql:')) {
      key = this.operation(match).operationId;
    }
    this.faults.push({ match: key, fault, remaining: times });
    return this;
  }

  /** Requests that were for `match` (operation id or route, `graphql`, `graphql:Name`, `*`). */
  count(match: string): number {
    return this.requests.filter((r) => this.matches(match, r)).length;
  }

  /** Returns and forgets the unexpected requests (after asserting on them). */
  takeUnexpected(): UnexpectedRequest[] {
    return this.unexpected.splice(0);
  }

  /** Forgets handlers, faults and recorded requests (between tests). */
  reset(): void {
    this.handlers.clear();
    this.graphqlHandler = undefined;
    this.faults = [];
    this.requests.length = 0;
    this.unexpected.length = 0;
  }

  /**
   * Closes the server, dropping open connections. In strict mode, rejects (after closing) when
   * requests were refused or unhandled and not taken with {@link takeUnexpected}.
   */
  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((err) => (err ? reject(err) : resolve())),
    );
    if (this.strict && this.unexpected.length > 0) {
      throw new Error(
        `GitHubApiServer: ${this.unexpected.length} unexpected request(s):\n` +
          this.unexpected
            .map((u) => `  ${u.method} ${u.url} [${u.kind}]: ${u.problems.join('; ')}`)
            .join('\n'),
      );
    }
  }

  private operation(name: string): OperationSpec {
    const op =
      this.index.byOperationId.get(name) ??
      this.index.byRoute.get(name.replace(/^(\w+)\s+/, (_, m: string) => `${m.toUpperCase()} `));
    if (!op) {
      throw new Error(
        `GitHub's REST API (@octokit/openapi ${this.index.version}) defines no operation "${name}"`,
      );
    }
    return op;
  }

  private matches(match: string, r: ApiRequest): boolean {
    if (match === '*') return true;
    if (match === 'graphql') return r.api === 'graphql';
    if (match.startsWith('graphql:')) return r.graphqlOperation === match.slice('graphql:'.length);
    const op =
      this.index.byOperationId.get(match) ??
      this.index.byRoute.get(match.replace(/^(\w+)\s+/, (_, m: string) => `${m.toUpperCase()} `));
    return op !== undefined && r.operationId === op.operationId;
  }

  private refuse(
    req: ApiRequest,
    url: string,
    kind: UnexpectedKind,
    problems: string[],
  ): UnexpectedRequest {
    const entry: UnexpectedRequest = { kind, method: req.method, url, problems };
    if (req.operationId) entry.operationId = req.operationId;
    this.unexpected.push(entry);
    return entry;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const parsed = new URL(url, this.url);
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text === '' ? undefined : text;
    if (text !== '') {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        // Kept as text.
      }
    }
    const request: ApiRequest = {
      api: 'unknown',
      method: (req.method ?? 'GET').toUpperCase(),
      path: parsed.pathname,
      query: Object.fromEntries(parsed.searchParams),
      searchParams: parsed.searchParams,
      headers,
      body,
      params: {},
    };
    this.requests.push(request);
    try {
      if (GRAPHQL_PATHS.has(request.path)) await this.handleGraphQL(request, url, res);
      else await this.handleRest(request, url, res);
    } catch (err) {
      this.refuse(request, url, 'handler-error', [`handler threw: ${String(err)}`]);
      if (!res.headersSent) {
        await this.send(res, request, { status: 500, body: { message: String(err) } });
      } else res.destroy();
    }
  }

  private async handleRest(request: ApiRequest, url: string, res: http.ServerResponse) {
    const match = matchPath(this.index, request.path);
    if (!match) {
      const problem = `GitHub's REST API defines no path matching ${request.path}`;
      this.refuse(request, url, 'undefined-path', [problem]);
      return this.send(res, request, { status: 501, body: { message: problem } });
    }
    const op = match.path.methods[request.method];
    if (!op) {
      const allowed = Object.keys(match.path.methods).join(', ');
      const problem = `GitHub's REST API defines no ${request.method} ${match.path.template} (only ${allowed})`;
      this.refuse(request, url, 'undefined-method', [problem]);
      return this.send(res, request, { status: 501, body: { message: problem } });
    }
    request.api = 'rest';
    request.operationId = op.operationId;
    request.template = op.template;
    request.params = match.params;

    const problems: { kind: UnexpectedKind; text: string }[] = [];
    const where = `${op.method} ${op.template} (${op.operationId})`;
    for (const p of op.path) {
      const v = match.params[p.name];
      if (v !== undefined && !fits(v, p.schema)) {
        problems.push({
          kind: 'invalid-path-parameter',
          text: `path parameter "${p.name}" = ${JSON.stringify(v)} is not ${describeSchema(p.schema)} for ${where}`,
        });
      }
    }
    const declared = new Map(op.query.map((p) => [p.name, p]));
    for (const [rawName, value] of request.searchParams) {
      const name = rawName.endsWith('[]') ? rawName.slice(0, -2) : rawName;
      const p = declared.get(name);
      if (!p) {
        const known = [...declared.keys()].join(', ') || 'none';
        problems.push({
          kind: 'undeclared-query-parameter',
          text: `query parameter "${rawName}" is not declared by ${where} (declared: ${known})`,
        });
      } else if (!fits(value, p.schema)) {
        problems.push({
          kind: 'invalid-query-parameter',
          text: `query parameter "${rawName}" = ${JSON.stringify(value)} is not ${describeSchema(p.schema)} for ${where}`,
        });
      }
    }
    for (const p of op.query) {
      if (
        p.required &&
        !request.searchParams.has(p.name) &&
        !request.searchParams.has(`${p.name}[]`)
      ) {
        problems.push({
          kind: 'missing-query-parameter',
          text: `required query parameter "${p.name}" is missing for ${where}`,
        });
      }
    }
    if (problems.length > 0) {
      const texts = problems.map((p) => p.text);
      this.refuse(request, url, problems[0]!.kind, texts);
      return this.send(res, request, { status: 501, body: { message: texts.join('; ') } });
    }

    const handler = this.handlers.get(op.operationId);
    const fault = this.takeFault(request);
    if (fault && (await this.preFault(fault, request, res))) return;
    let response: RestResponse;
    if (!handler) {
      const problem = `no handler registered for ${where}`;
      this.refuse(request, url, 'no-handler', [problem]);
      response = { status: 501, body: { message: problem } };
    } else {
      response = await handler(request);
    }
    await this.send(res, request, response, fault);
  }

  private async handleGraphQL(request: ApiRequest, url: string, res: http.ServerResponse) {
    request.api = 'graphql';
    const bad = (problem: string) => {
      this.refuse(request, url, 'graphql-bad-request', [problem]);
      return this.send(res, request, {
        status: 400,
        body: { message: problem, documentation_url: 'https://docs.github.com/graphql' },
      });
    };
    if (request.method !== 'POST')
      return bad(`GraphQL is served by POST only, not ${request.method}`);
    const body = request.body;
    if (!isObject(body) || typeof body.query !== 'string') {
      return bad('Problems parsing JSON: the body must be an object with a string "query"');
    }
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
    const rawVariables = body.variables ?? {};
    if (!isObject(rawVariables)) return bad('"variables" must be an object');

    const invalid = (errors: readonly GraphQLError[]) => {
      this.refuse(
        request,
        url,
        'graphql-invalid',
        errors.map((e) => e.message),
      );
      return this.send(res, request, {
        status: 200,
        body: { errors: errors.map((e) => e.toJSON()) },
      });
    };
    let document: DocumentNode;
    try {
      document = parse(body.query);
    } catch (err) {
      if (err instanceof GraphQLError) return invalid([err]);
      throw err;
    }
    const operation = getOperationAST(document, operationName);
    if (operation?.name) request.graphqlOperation = operation.name.value;
    const { schema } = loadGraphQLSchema();
    const errors = [
      ...validate(schema, document, [...specifiedRules, connectionPaginationRule(rawVariables)]),
    ];
    if (errors.length === 0 && !operation) {
      errors.push(
        new GraphQLError(
          operationName
            ? `No operation named "${operationName}"`
            : 'An operation name is required when the document has several operations',
        ),
      );
    }
    if (errors.length === 0 && operation) {
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables);
      if (coerced.errors) errors.push(...coerced.errors);
    }
    if (errors.length > 0 || !operation) return invalid(errors);

    const fault = this.takeFault(request);
    if (fault && (await this.preFault(fault, request, res))) return;
    let response: RestResponse;
    if (!this.graphqlHandler) {
      const problem = 'no GraphQL handler registered';
      this.refuse(request, url, 'no-handler', [problem]);
      response = { status: 501, body: { message: problem } };
    } else {
      const gqlRequest: GraphQLRequest = { document, operation, variables: rawVariables, request };
      if (operationName !== undefined) gqlRequest.operationName = operationName;
      const result = await this.graphqlHandler(gqlRequest);
      if (!isObject(result) || !('data' in result || 'errors' in result)) {
        this.refuse(request, url, 'graphql-bad-response', [
          'the GraphQL handler must return { data } and/or { errors }',
        ]);
      }
      response = { status: 200, body: result };
    }
    await this.send(res, request, response, fault);
  }

  private takeFault(request: ApiRequest): Fault | undefined {
    const pending = this.faults.find((f) => f.remaining > 0 && this.matches(f.match, request));
    if (!pending) return undefined;
    pending.remaining -= 1;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return pending.fault;
  }

  /** Applies a fault that replaces the response. Returns true when it did. */
  private async preFault(fault: Fault, request: ApiRequest, res: http.ServerResponse) {
    switch (fault.type) {
      case 'rate-limit': {
        const retryAfter = fault.retryAfter ?? 1;
        await this.send(res, request, {
          status: fault.status ?? 429,
          headers: { 'retry-after': String(retryAfter) },
          body: {
            message:
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
          },
        });
        return true;
      }
      case 'rate-limit-exhausted': {
        const reset = Math.floor(Date.now() / 1000) + (fault.resetInSeconds ?? 60);
        await this.send(res, request, {
          status: 403,
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
          body: {
            message: 'API rate limit exceeded for installation.',
            documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-primary-rate-limits`,
          },
        });
        return true;
      }
      case 'status': {
        const headers = fault.headers ?? {};
        await this.send(res, request, {
          status: fault.status,
          headers,
          body: fault.body ?? { message: http.STATUS_CODES[fault.status] ?? 'Error' },
        });
        return true;
      }
      case 'reset':
        res.socket?.resetAndDestroy();
        return true;
      case 'slow':
        if ((fault.at ?? 'body') === 'headers') await this.sleep(fault.delayMs);
        return false;
      case 'truncated':
        return false;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private async send(
    res: http.ServerResponse,
    request: ApiRequest,
    response: RestResponse,
    fault?: Fault,
  ): Promise<void> {
    const noBody = response.status === 204 || response.status === 304;
    const text = noBody || response.body === undefined ? '' : JSON.stringify(response.body);
    const bytes = Buffer.from(text, 'utf8');
    const resource = request.api === 'graphql' ? 'graphql' : 'core';
    const used = this.requests.filter((r) => (r.api === 'graphql') === (resource === 'graphql'));
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'x-github-api-version-selected': '2022-11-28',
      'x-github-request-id': `TEST:${this.requests.indexOf(request) + 1}`,
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(Math.max(0, 5000 - used.length)),
      'x-ratelimit-used': String(used.length),
      'x-ratelimit-resource': resource,
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      ...(response.headers ?? {}),
    };
    if (fault?.type === 'truncated') {
      const cut = Math.min(fault.bytes ?? Math.floor(bytes.length / 2), bytes.length);
      if ((fault.mode ?? 'clean') === 'clean') {
        res.writeHead(response.status, headers); // no content-length: chunked, ends cleanly
        res.end(bytes.subarray(0, cut));
      } else {
        res.writeHead(response.status, { ...headers, 'content-length': String(bytes.length) });
        res.write(bytes.subarray(0, cut), () => res.destroy());
      }
      return;
    }
    res.writeHead(response.status, { ...headers, 'content-length': String(bytes.length) });
    if (fault?.type === 'slow' && (fault.at ?? 'body') === 'body' && bytes.length > 1) {
      res.write(bytes.subarray(0, 1));
      await this.sleep(fault.delayMs);
      if (!res.destroyed) res.end(bytes.subarray(1));
      return;
    }
    res.end(bytes);
  }
}
