// AM's dotted ids for the JSON view (`authentication.success`, `cts.task.session.create.success`),
// filled in from the catalogue's `jsonId` templates. Building the view is src/exposition/am-json's job.
import type { FamilySnapshot, SeriesBase } from '../registry/collection.js';
import { idSegment, type JsonIdOf } from '../exposition/am-json/json-view.js';
import { CATALOG } from './catalog.js';

/** A template split at its `{label}` holes: literal text at even indexes, label names at odd ones. */
type Template = readonly string[];

const TEMPLATES = new Map<string, Template>(CATALOG.map((spec) => [`${spec.kind}:${spec.name}`, spec.jsonId.split(/\{([^}]+)\}/)]));

/**
 * The `_id` AM's JSON view gives a series of the catalogue (MetricSpec.jsonId, each label value
 * written as idSegment does), or undefined for any other metric, which then keeps the default id.
 * Pass it as `createMetricsRouter(am, { jsonIds: amJsonIds })`.
 */
export const amJsonIds: JsonIdOf = (family: FamilySnapshot, series: SeriesBase) => {
  const template = TEMPLATES.get(`${family.kind}:${family.descriptor.name}`);
  if (template === undefined) return undefined;
  let id = '';
  template.forEach((part, i) => {
    id += i % 2 === 0 ? part : idSegment(series.labels[part] ?? '');
  });
  return id;
};
