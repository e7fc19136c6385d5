import { describe, expect, it } from 'vitest';
import { amJsonIds, CATALOG, type FamilySnapshot, type MetricSpec } from '../../src/index.js';
import { referenceText } from '../support/reference.js';

/** The id amJsonIds gives a series of `spec` with `labels`. */
function idOf(spec: MetricSpec, labels: Record<string, string>): string | undefined {
  const family = { kind: spec.kind, descriptor: { name: spec.name }, series: [] } as unknown as FamilySnapshot;
  return amJsonIds(family, { labels, startMs: 0 });
}

/** Every label combination of `spec`: each allowed value of closed labels, `x` for open ones. */
function labelSets(spec: MetricSpec): Record<string, string>[] {
  return spec.labels.reduce<Record<string, string>[]>(
    (sets, label) => sets.flatMap((set) => (label.values ?? ['x']).map((value) => ({ ...set, [label.name]: value }))),
    [{}],
  );
}

/** [dotted id, Prometheus family] for each row of the reference's "AM's own metric ids" table. */
function referenceIds(): [string, string][] {
  const text = referenceText();
  const section = text.slice(text.indexOf("## AM's own metric ids"));
  return [...section.matchAll(/^\| `([^`]+)`[^|]*\| `(am_[a-z0-9_]+)/gm)].map((m) => [m[1] as string, m[2] as string]);
}

describe('amJsonIds', () => {
  it('gives every series of the catalogue a different id', () => {
    const owners = new Map<string, string>();
    for (const spec of CATALOG) {
      for (const labels of labelSets(spec)) {
        const id = idOf(spec, labels) as string;
        expect(owners.get(id), `${id} of ${spec.name} ${JSON.stringify(labels)}`).toBeUndefined();
        owners.set(id, `${spec.kind}:${spec.name}`);
      }
    }
  });

  it('names every label with more than one value in the id template', () => {
    for (const spec of CATALOG) {
      for (const label of spec.labels) {
        if (label.values?.length === 1) continue;
        expect(spec.jsonId, `${spec.name}: ${label.name}`).toContain(`{${label.name}}`);
      }
    }
  });

  it('matches the dotted ids the reference documents, placeholders aside', () => {
    const rows = referenceIds();
    expect(rows.length).toBeGreaterThan(25);
    for (const [dotted, name] of rows) {
      // am_session's rows are its timer; the timeout summary has no documented id.
      const specs = CATALOG.filter((spec) => spec.name === name && !(name === 'am_session' && spec.kind === 'summary'));
      if (specs.length === 0) continue; // AM-only families the catalogue leaves out (authentication modules).
      // A label with one allowed value is written out, as the reference does (`oauth2.grant.revoke`).
      const ours = specs.map((spec) =>
        spec.jsonId.replace(/\{([^}]+)\}/g, (_, label: string) => {
          const values = spec.labels.find((l) => l.name === label)?.values;
          return values?.length === 1 ? (values[0] as string) : '*';
        }),
      );
      expect(ours, `${name}: ${dotted}`).toContain(dotted.replace(/<[^>]+>/g, '*'));
    }
  });

  it('escapes dots in label values so an id splits back into its segments', () => {
    const spec = CATALOG.find((s) => s.name === 'am_authorization_policy_set_evaluate_advice') as MetricSpec;
    expect(idOf(spec, { policy_set: 'a.b', advice_type: 'x/y%' })).toBe('authorization.policy-set.a%2Eb.evaluate.advice.x%2Fy%25');
  });

  it('leaves metrics outside the catalogue to the default id', () => {
    expect(idOf({ ...CATALOG[0], name: 'custom_metric' } as MetricSpec, {})).toBeUndefined();
  });
});
