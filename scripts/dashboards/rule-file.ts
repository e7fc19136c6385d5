// Prometheus rule files as data, and their YAML: a fixed key order, single-quoted scalars and
// literal blocks for multi-line expressions, so the committed files diff cleanly. No YAML library.

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold before the alert fires, e.g. `10m`. */
  readonly for: string;
  readonly labels: { readonly severity: 'warning' | 'critical' };
  readonly annotations: { readonly summary: string; readonly description: string };
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly Rule[];
}

export interface RuleFile {
  /** Path from the repository root, under `grafana-dashboards/rules/`. */
  readonly path: string;
  readonly comment: string;
  readonly groups: readonly RuleGroup[];
}

export function isAlert(rule: Rule): rule is AlertingRule {
  return 'alert' in rule;
}

/** A YAML scalar: single-quoted (only `'` needs escaping there); a literal block for several lines. */
function scalar(text: string, indent: string): string {
  if (!text.includes('\n')) return `'${text.replaceAll("'", "''")}'`;
  if (text.split('\n').some((line) => line.trim() === '' || line !== line.trimEnd())) throw new Error(`cannot write ${JSON.stringify(text)} as a literal block`);
  return `|-\n${text
    .split('\n')
    .map((line) => `${indent}  ${line}`)
    .join('\n')}`;
}

function ruleLines(rule: Rule): string[] {
  const head = isAlert(rule) ? `- alert: ${rule.alert}` : `- record: ${rule.record}`;
  const lines = [head, `  expr: ${scalar(rule.expr, '  ')}`];
  if (isAlert(rule)) {
    lines.push(`  for: ${rule.for}`, '  labels:', `    severity: ${rule.labels.severity}`, '  annotations:');
    lines.push(`    summary: ${scalar(rule.annotations.summary, '    ')}`, `    description: ${scalar(rule.annotations.description, '    ')}`);
  }
  return lines;
}

/** The YAML Prometheus loads through `rule_files:`, with `file.comment` as its opening lines. */
export function renderRuleFile(file: RuleFile): string {
  const lines = [...file.comment.split('\n').map((line) => `# ${line}`.trimEnd()), 'groups:'];
  for (const group of file.groups) {
    lines.push(`  - name: ${group.name}`, '    rules:');
    for (const rule of group.rules)
      lines.push(
        ...ruleLines(rule)
          .flatMap((line) => line.split('\n'))
          .map((line) => `      ${line}`),
      );
  }
  return `${lines.join('\n')}\n`;
}
