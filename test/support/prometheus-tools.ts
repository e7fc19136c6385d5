// Runs the real Prometheus tooling on exposition text: promtool, and the official Python client's
// parsers (Debian packages prometheus and python3-prometheus-client, installed by .ci/run).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ToolResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` with `input` on stdin. */
export function run(command: string, args: readonly string[], input: string | Uint8Array = ''): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/**
 * promtool lint warnings that AM's own names trigger, which the exporter must keep verbatim. AIC
 * documents the script cache gauge `am_script_cache_load_count` (Caffeine's load count); promtool's
 * linter expects `_count` on summaries and histograms only. It is a lint (exit code 3), not a parse
 * error: the registry reserves no name of it (no summary or timer `am_script_cache_load` exists), and
 * the Python parsers read it as a gauge family in 0.0.4 and OpenMetrics. Exact lines, so any other
 * lint, even on another name with the same suffix, still fails.
 */
const AM_NAME_LINTS: ReadonlySet<string> = new Set(['am_script_cache_load_count non-histogram and non-summary metrics should not have "_count" suffix']);

/**
 * `promtool check metrics` on `text`: code 0 and no output means no errors and no lint warnings
 * besides AM_NAME_LINTS, which are dropped (and exit code 3 becomes 0 when nothing else is left).
 */
export async function promtoolCheckMetrics(text: string): Promise<ToolResult> {
  const result = await run('promtool', ['check', 'metrics'], text);
  const stderr = result.stderr
    .split('\n')
    .filter((line) => !AM_NAME_LINTS.has(line))
    .join('\n');
  const isOnlyAmLints = result.code === 3 && stderr.trim() === '' && result.stdout === '';
  return { code: isOnlyAmLints ? 0 : result.code, stdout: result.stdout, stderr: isOnlyAmLints ? '' : stderr };
}

export interface ParsedSample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number | 'NaN' | '+Inf' | '-Inf';
}

export interface ParsedFamily {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly samples: readonly ParsedSample[];
}

const PARSER = fileURLToPath(new URL('./python/parse_exposition.py', import.meta.url));

/** Parses `text` with prometheus_client's 0.0.4 or (strict) OpenMetrics parser; rejects if it fails. */
export async function parseExposition(text: string, format: 'prometheus' | 'openmetrics'): Promise<ParsedFamily[]> {
  const result = await run('/usr/bin/python3', [PARSER, format], text);
  if (result.code !== 0) throw new Error(`parser rejected the ${format} text: ${result.stderr.trim().split('\n').pop()}`);
  return JSON.parse(result.stdout) as ParsedFamily[];
}
