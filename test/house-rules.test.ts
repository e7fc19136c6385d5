// The house rules inside `npm test`: the linter and the formatter each count as one test, so CI holds
// them and `.ci/run`'s "N passed, N failed" line reports them; their output is the failure message.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * Prettier's check waits for the one commit that formats the whole tree (`npm run format`, see
 * CONTRIBUTING.md); that commit sets this to true. Until then the test shows as skipped, never passed.
 */
const FORMAT_CHECKED = true;

/** Runs `npm run <script>` from the repository root: the same command a contributor types. */
function runScript(script: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '--silent', script], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

// Speed is reported, not asserted (CONTRIBUTING.md); the long timeouts only keep a busy machine from
// failing a clean tree.
describe.concurrent('the house rules', () => {
  it('leave `npm run lint` (ESLint) nothing to report', async ({ expect }) => {
    const result = await runScript('lint');
    expect(result.code, `npm run lint found problems:\n${result.output}`).toBe(0);
  }, 300_000);

  it.runIf(FORMAT_CHECKED)(
    'leave `npm run format:check` (Prettier) nothing to reformat',
    async ({ expect }) => {
      const result = await runScript('format:check');
      expect(result.code, `npm run format:check wants to reformat (run \`npm run format\`):\n${result.output}`).toBe(0);
    },
    120_000,
  );
});
