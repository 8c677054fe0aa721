/**
 * Extracts the names an operator would type or look up from the handbook's Markdown (and the
 * alert rules' YAML): CLI invocations, HTTP endpoints, tRPC procedures, metric names, environment
 * variables, pnpm scripts and repository paths. Only code (inline spans and fenced blocks) is
 * read, so prose can talk about things without being taken as a promise.
 */

export interface Occurrence<T> {
  value: T;
  /** `file:line` where it was found, for the failure message. */
  where: string;
}

export interface CliInvocation {
  words: string[];
  flags: string[];
}

export interface Endpoint {
  /** null: the handbook names the path without a method (any method of the route will do). */
  method: string | null;
  /** A path ending in `/` stands for a prefix (`/v1/...` in the handbook). */
  path: string;
}

export interface PnpmCall {
  /** The `--filter` package, or null for the root package. */
  filter: string | null;
  script: string;
}

/** Source text longer than this is refused: the handbook is prose, not a data dump. */
export const MAX_DOCUMENT_CHARS = 2_000_000;

interface CodeFragment {
  text: string;
  line: number;
  /** A whole inline span (`...`), as opposed to one line of a fenced block. */
  inline: boolean;
}

/** Inline code spans and every line of fenced code blocks, with their line numbers. */
export function codeFragments(markdown: string): CodeFragment[] {
  if (markdown.length > MAX_DOCUMENT_CHARS) {
    throw new Error(`document too large (${markdown.length} characters)`);
  }
  const fragments: CodeFragment[] = [];
  const lines = markdown.split(/\r?\n/);
  let fence: string | null = null;
  lines.forEach((line, index) => {
    const number = index + 1;
    const fenceMatch = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence !== null) {
      if (fenceMatch?.[1] !== undefined && fenceMatch[1].startsWith(fence)) fence = null;
      else fragments.push({ text: line, line: number, inline: false });
      return;
    }
    if (fenceMatch?.[1] !== undefined) {
      fence = fenceMatch[1];
      return;
    }
    for (const match of line.matchAll(/(`+)(.+?)\1/g)) {
      const text = (match[2] ?? '').trim();
      if (text.length > 0) fragments.push({ text, line: number, inline: true });
    }
  });
  return fragments;
}

const SHELL_STOP = /^(\||&&|\|\||;|>|>>|2>&1|\)|`)$/;

/** One line of shell split into its commands (`a && b | c; d`). */
function shellSegments(text: string): string[] {
  return text.split(/\s(?:&&|\|\||\||;)\s|\$\(|\)/);
}

/** `invoice-admin <words...> [--flags]` in code. Placeholders (`<command>`) end the words. */
export function cliInvocations(markdown: string, file: string): Occurrence<CliInvocation>[] {
  const found: Occurrence<CliInvocation>[] = [];
  for (const fragment of codeFragments(markdown)) {
    const matches = shellSegments(fragment.text).flatMap((segment) => [
      ...segment.matchAll(/(?:^|[\s(/])invoice-admin(?:\.js)?(?![\w.-])(.*)$/g),
    ]);
    for (const match of matches) {
      const tokens = (match[1] ?? '').trim().split(/\s+/).filter(Boolean);
      const words: string[] = [];
      const flags: string[] = [];
      let inWords = true;
      for (const token of tokens) {
        if (SHELL_STOP.test(token) || token.startsWith('#')) break;
        if (inWords && /^[a-z][a-z-]*$/.test(token)) {
          words.push(token);
          continue;
        }
        inWords = false;
        const flag = /^(--[a-z][a-z-]*|-[a-z])(?:=.*)?$/.exec(token);
        if (flag?.[1] !== undefined) flags.push(flag[1]);
      }
      found.push({ value: { words, flags }, where: `${file}:${fragment.line}` });
    }
  }
  return found;
}

/**
 * Flags named on their own in inline code (`--paired-rounds`, `--timeout 5`, `--dry-run`): the
 * flag. Fenced blocks are commands, read by cliInvocations.
 */
export function loneFlags(markdown: string, file: string): Occurrence<string>[] {
  return codeFragments(markdown).flatMap((fragment) => {
    if (!fragment.inline) return [];
    const flag = /^(--[a-zA-Z][\w-]*)(?:[= ]\S.*)?$/.exec(fragment.text)?.[1];
    return flag === undefined ? [] : [{ value: flag, where: `${file}:${fragment.line}` }];
  });
}

/**
 * First path segments that are places on a machine, not HTTP routes (`/var/lib/...`). Any other
 * code span that starts with `/` is taken as an endpoint and must exist.
 */
export const FILESYSTEM_ROOTS = new Set([
  'bin',
  'dev',
  'etc',
  'home',
  'lib',
  'mnt',
  'opt',
  'proc',
  'root',
  'run',
  'sbin',
  'srv',
  'sys',
  'tmp',
  'usr',
  'var',
]);

const METHODS = 'GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS';

/**
 * Hosts that stand for this API in the handbook (loopback, `api...` names, placeholders and
 * shell variables); URLs of other hosts (Google, vendors) are not our endpoints.
 */
export const OUR_HOST =
  /^(localhost|127\.0\.0\.1|0\.0\.0\.0|api[\w.-]*|<[^>]+>|\$\{?\w+\}?)(:\d+)?$/;

function isFilesystemPath(path: string): boolean {
  const first = path.split('/')[1] ?? '';
  return FILESYSTEM_ROOTS.has(first);
}

/**
 * Endpoints: `GET /health/ready` or `/metrics` spans, and paths of http(s) URLs in code (a URL
 * fetched by curl is a GET unless `-X` says otherwise).
 */
export function endpoints(markdown: string, file: string): Occurrence<Endpoint>[] {
  const found: Occurrence<Endpoint>[] = [];
  const add = (method: string | undefined, rawPath: string, line: number) => {
    const path = rawPath.replace(/[.,;:]+$/, '');
    if (path === '' || path === '/' || isFilesystemPath(path)) return;
    found.push({ value: { method: method ?? null, path }, where: `${file}:${line}` });
  };
  for (const fragment of codeFragments(markdown)) {
    if (fragment.inline) {
      const span = new RegExp(`^(?:(${METHODS})\\s+)?(/[A-Za-z0-9_.:<>{}/,-]*)(?:\\?\\S*)?$`).exec(
        fragment.text,
      );
      if (span?.[2] !== undefined) add(span[1], span[2], fragment.line);
    }
    for (const url of fragment.text.matchAll(
      new RegExp(`(?:(${METHODS})\\s+)?https?://([^\\s/'"\`]+)(/[^\\s'"\`?#)]*)?`, 'g'),
    )) {
      if (!OUR_HOST.test(url[2] ?? '')) continue;
      const method =
        /-X\s*(GET|POST|PUT|PATCH|DELETE)\b/.exec(fragment.text)?.[1] ?? url[1] ?? 'GET';
      if (url[3] !== undefined) add(method, url[3], fragment.line);
    }
    // `$base/health/ready`: a shell variable standing for the API's base URL.
    for (const url of fragment.text.matchAll(/\$\{?[a-z_]+\}?(\/[^\s'"`?#)]*)/g)) {
      const method = /-X\s*(GET|POST|PUT|PATCH|DELETE)\b/.exec(fragment.text)?.[1] ?? 'GET';
      if (url[1] !== undefined) add(method, url[1], fragment.line);
    }
  }
  return found;
}

/** `namespace.procedure` spans whose namespace is one of the router's. */
export function procedures(
  markdown: string,
  file: string,
  namespaces: ReadonlySet<string>,
): Occurrence<string>[] {
  const found: Occurrence<string>[] = [];
  for (const fragment of codeFragments(markdown)) {
    const candidates = fragment.inline
      ? [fragment.text]
      : [...fragment.text.matchAll(/\/trpc\/([A-Za-z.,]+)/g)].flatMap((m) =>
          (m[1] ?? '').split(','),
        );
    for (const candidate of candidates) {
      const match = /^([a-z][A-Za-z]*)\.([a-z][A-Za-z]*)$/.exec(candidate);
      if (match?.[1] !== undefined && namespaces.has(match[1])) {
        found.push({ value: candidate, where: `${file}:${fragment.line}` });
      }
    }
  }
  return found;
}

const METRIC_SUFFIX = /_(total|seconds|bytes|bucket|count|sum|info)$/;
/** Known prefixes count for names of three words or more (`http_open_connections`, not `upload_dir`). */
const METRIC_PREFIX = /^(nodejs|process|http|mongodb|upload|auth|trpc|probe)_[a-z0-9]+_/;

/** Metric-shaped words (snake case with a unit suffix or a known prefix), not rule names. */
export function metricNamesIn(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(/(?<![\w:./-])([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?![\w:/-])/g)) {
    const name = match[1] ?? '';
    if (METRIC_SUFFIX.test(name) || METRIC_PREFIX.test(name)) names.add(name);
  }
  return [...names];
}

export function metrics(markdown: string, file: string): Occurrence<string>[] {
  return codeFragments(markdown).flatMap((fragment) =>
    metricNamesIn(fragment.text).map((value) => ({ value, where: `${file}:${fragment.line}` })),
  );
}

/** The text of every `expr` in a Prometheus rule file, line by line (block scalars included). */
function ruleExprLines(yaml: string, file: string): { text: string; line: number }[] {
  if (yaml.length > MAX_DOCUMENT_CHARS) throw new Error(`${file} too large`);
  const found: { text: string; line: number }[] = [];
  let inExpr = false;
  yaml.split(/\r?\n/).forEach((line, index) => {
    const exprStart = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (exprStart) {
      inExpr = exprStart[2] === '|' || exprStart[2] === '>';
      if (!inExpr) found.push({ text: exprStart[2] ?? '', line: index + 1 });
      return;
    }
    if (inExpr && /^\s*[a-z_]+:/.test(line)) inExpr = false;
    if (inExpr) found.push({ text: line, line: index + 1 });
  });
  return found;
}

/** Metric names in Prometheus rule files: every `expr`, line by line. */
export function ruleFileMetrics(yaml: string, file: string): Occurrence<string>[] {
  return ruleExprLines(yaml, file).flatMap(({ text, line }) =>
    metricNamesIn(text).map((value) => ({ value, where: `${file}:${line}` })),
  );
}

export interface LabelSelector {
  metric: string;
  /** Label names matched in the braces (`route!~"..."` gives `route`). */
  labels: string[];
}

/**
 * `metric{label="v",other=~"re"}` selectors of metric-shaped names (recording rules, which
 * contain `:`, are not metrics of the server). Only the label names are kept.
 */
export function labelSelectorsIn(text: string): LabelSelector[] {
  const found: LabelSelector[] = [];
  for (const match of text.matchAll(/(?<![\w:./-])([a-z][a-z0-9_]*)\{([^{}]*)\}/g)) {
    const metric = match[1] ?? '';
    if (!metricNamesIn(metric).includes(metric) && metric !== 'up') continue;
    const labels = [...(match[2] ?? '').matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)\s*"/g)].map(
      (m) => m[1] ?? '',
    );
    if (labels.length > 0) found.push({ metric, labels });
  }
  return found;
}

/** Label selectors in the handbook's code. */
export function labelSelectors(markdown: string, file: string): Occurrence<LabelSelector>[] {
  return codeFragments(markdown).flatMap((fragment) =>
    labelSelectorsIn(fragment.text).map((value) => ({
      value,
      where: `${file}:${fragment.line}`,
    })),
  );
}

/** Label selectors in the `expr` of Prometheus rule files. */
export function ruleFileLabelSelectors(yaml: string, file: string): Occurrence<LabelSelector>[] {
  return ruleExprLines(yaml, file).flatMap(({ text, line }) =>
    labelSelectorsIn(text).map((value) => ({ value, where: `${file}:${line}` })),
  );
}

/**
 * Environment variables: a span that is one UPPER_SNAKE word, `NAME=value` and `$NAME` in code.
 * Shell variables in examples are lower case by convention, so they are not taken.
 */
export function envVars(markdown: string, file: string): Occurrence<string>[] {
  const found: Occurrence<string>[] = [];
  const name = '[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]';
  for (const fragment of codeFragments(markdown)) {
    const values = new Set<string>();
    if (fragment.inline && new RegExp(`^${name}$`).test(fragment.text)) values.add(fragment.text);
    for (const m of fragment.text.matchAll(new RegExp(`(?<![\\w$-])(${name})=`, 'g'))) {
      values.add(m[1] ?? '');
    }
    for (const m of fragment.text.matchAll(new RegExp(`\\$\\{?(${name})\\b`, 'g'))) {
      values.add(m[1] ?? '');
    }
    for (const value of values) found.push({ value, where: `${file}:${fragment.line}` });
  }
  return found;
}

/** pnpm's own commands (not package scripts). */
const PNPM_BUILTINS = new Set([
  'add',
  'audit',
  'config',
  'deploy',
  'dlx',
  'exec',
  'fetch',
  'i',
  'install',
  'list',
  'ls',
  'outdated',
  'pack',
  'patch',
  'patch-commit',
  'prune',
  'rebuild',
  'remove',
  'store',
  'update',
  'why',
]);

/** `pnpm <script>` and `pnpm --filter <pkg> <script>` (also `npx pnpm@x.y.z ...`) in code. */
export function pnpmCalls(markdown: string, file: string): Occurrence<PnpmCall>[] {
  const found: Occurrence<PnpmCall>[] = [];
  for (const fragment of codeFragments(markdown)) {
    const matches = shellSegments(fragment.text).flatMap((segment) => [
      ...segment.matchAll(/(?:^|[\s(])pnpm(?:@[\d.]+)?\s+(.*)$/g),
    ]);
    for (const match of matches) {
      const tokens = (match[1] ?? '').split(/\s+/).filter(Boolean);
      let filter: string | null = null;
      let script: string | null = null;
      for (let i = 0; i < tokens.length; i += 1) {
        const token = tokens[i] ?? '';
        if (SHELL_STOP.test(token)) break;
        if (token === '--filter' || token === '-F') {
          filter = tokens[i + 1] ?? null;
          i += 1;
        } else if (token.startsWith('--filter=')) {
          filter = token.slice('--filter='.length);
        } else if (token.startsWith('-')) {
          continue;
        } else if (token === 'run') {
          continue;
        } else {
          script = token;
          break;
        }
      }
      if (script !== null && /^[a-z][\w:-]*$/.test(script) && !PNPM_BUILTINS.has(script)) {
        found.push({ value: { filter, script }, where: `${file}:${fragment.line}` });
      }
    }
  }
  return found;
}

const REPO_TOP = ['apps', 'packages', 'tooling', 'docs', 'deploy', 'bench', '.ci', '.github'];

/** Repository-relative paths in inline spans (`apps/server/src/env.ts`, `deploy/Dockerfile`). */
export function repoPaths(markdown: string, file: string): Occurrence<string>[] {
  const found: Occurrence<string>[] = [];
  const pattern = new RegExp(`^(?:${REPO_TOP.map((t) => t.replace('.', '\\.')).join('|')})/`);
  for (const fragment of codeFragments(markdown)) {
    if (!fragment.inline) continue;
    const path = fragment.text.replace(/:\d+$/, '').replace(/\/$/, '');
    if (pattern.test(path) && /^[\w./-]+$/.test(path) && !path.includes('..')) {
      found.push({ value: path, where: `${file}:${fragment.line}` });
    }
  }
  return found;
}

/** Fastify's `printRoutes({ commonPrefix: false })`: one `path (METHODS)` per line. */
export function parseRouteTable(printed: string): Endpoint[] {
  return printed.split('\n').flatMap((line) => {
    const match = /(\/\S*) \(([A-Z, ]+)\)\s*$/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) return [];
    return match[2].split(', ').map((method) => ({ method, path: match[1] ?? '' }));
  });
}

const PLACEHOLDER = /^(:\w+|<[^>]*>|\{[^}]*\})$/;

/** Whether a documented endpoint is served by one of the routes (params match any segment). */
export function routeExists(endpoint: Endpoint, routes: readonly Endpoint[]): boolean {
  const prefix = endpoint.path.endsWith('/');
  const want = endpoint.path.split('/').slice(1, prefix ? -1 : undefined);
  return routes.some((route) => {
    if (endpoint.method !== null && route.method !== endpoint.method) return false;
    const have = route.path.split('/').slice(1);
    if (prefix ? have.length <= want.length : have.length !== want.length) return false;
    return want.every((segment, i) => {
      const actual = have[i] ?? '';
      return actual === segment || actual.startsWith(':') || PLACEHOLDER.test(segment);
    });
  });
}
