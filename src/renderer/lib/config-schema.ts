/**
 * The Train form generated from an experiment's config JSON Schema (z.toJSONSchema output):
 * one field per property, its kind from the schema's type, bounds and default shown, and
 * client-side validation against the same bounds. Inputs are kept as drafts (text as typed) so a
 * half-typed or wrong value is shown with its problem instead of being silently coerced.
 */

export interface JsonSchemaNode {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  items?: JsonSchemaNode | false;
  prefixItems?: JsonSchemaNode[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
}

export interface NumberBounds {
  integer: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

export type FieldSpec =
  | ({ kind: 'number'; key: string; title?: string; description?: string; default?: unknown; required: boolean } & NumberBounds)
  | { kind: 'boolean'; key: string; title?: string; description?: string; default?: unknown; required: boolean }
  | { kind: 'enum'; key: string; title?: string; description?: string; default?: unknown; required: boolean; options: string[] }
  | { kind: 'string'; key: string; title?: string; description?: string; default?: unknown; required: boolean; minLength?: number }
  | { kind: 'numberList'; key: string; title?: string; description?: string; default?: unknown; required: boolean; item: NumberBounds; minItems?: number; maxItems?: number; fixedLength?: number }
  | { kind: 'unsupported'; key: string; title?: string; description?: string; default?: unknown; required: boolean };

/** string for text/number inputs, boolean for checkboxes, string[] for list items. */
export type Draft = string | boolean | string[];

// z.toJSONSchema writes Number.MAX_SAFE_INTEGER as the maximum of unbounded integers.
const UNBOUNDED = 9007199254740991;

function bounds(node: JsonSchemaNode, integer: boolean): NumberBounds {
  const b: NumberBounds = { integer };
  if (node.minimum !== undefined && node.minimum > -UNBOUNDED) b.minimum = node.minimum;
  if (node.maximum !== undefined && node.maximum < UNBOUNDED) b.maximum = node.maximum;
  if (node.exclusiveMinimum !== undefined) b.exclusiveMinimum = node.exclusiveMinimum;
  if (node.exclusiveMaximum !== undefined) b.exclusiveMaximum = node.exclusiveMaximum;
  return b;
}

const typeOf = (n: JsonSchemaNode): string | undefined => (Array.isArray(n.type) ? n.type.find((t) => t !== 'null') : n.type);

export function fieldOf(key: string, node: JsonSchemaNode, required: boolean): FieldSpec {
  const common = { key, title: node.title, description: node.description, default: node.default, required };
  const t = typeOf(node);
  if (node.enum && node.enum.every((v) => typeof v === 'string')) return { ...common, kind: 'enum', options: node.enum as string[] };
  if (t === 'number' || t === 'integer') return { ...common, kind: 'number', ...bounds(node, t === 'integer') };
  if (t === 'boolean') return { ...common, kind: 'boolean' };
  if (t === 'string') return { ...common, kind: 'string', minLength: node.minLength };
  if (t === 'array') {
    const prefix = node.prefixItems;
    const item = prefix?.[0] ?? (node.items || undefined);
    const it = item ? typeOf(item) : undefined;
    if (item && (it === 'number' || it === 'integer') && (!prefix || prefix.every((p) => typeOf(p) === it))) {
      const fixedLength = prefix && node.items === false ? prefix.length : undefined;
      return { ...common, kind: 'numberList', item: bounds(item, it === 'integer'), minItems: node.minItems, maxItems: node.maxItems, fixedLength };
    }
  }
  return { ...common, kind: 'unsupported' };
}

export function fieldsOf(schema: Record<string, unknown>): FieldSpec[] {
  const props = (schema.properties ?? {}) as Record<string, JsonSchemaNode>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([k, node]) => fieldOf(k, node, required.has(k)));
}

/** The bounds in words, e.g. "integer, 0 … 8" or "> 0". */
export function describeBounds(b: NumberBounds): string {
  const lo = b.exclusiveMinimum !== undefined ? `> ${b.exclusiveMinimum}` : b.minimum !== undefined ? `≥ ${b.minimum}` : '';
  const hi = b.exclusiveMaximum !== undefined ? `< ${b.exclusiveMaximum}` : b.maximum !== undefined ? `≤ ${b.maximum}` : '';
  const range = b.minimum !== undefined && b.maximum !== undefined ? `${b.minimum} … ${b.maximum}` : [lo, hi].filter(Boolean).join(', ');
  return [b.integer ? 'integer' : 'number', range].filter(Boolean).join(', ');
}

function checkNumber(b: NumberBounds, text: string): { value?: number; error?: string } {
  const t = text.trim();
  if (t === '') return { error: 'required' };
  const v = Number(t);
  if (!Number.isFinite(v)) return { error: `'${t}' is not a number` };
  if (b.integer && !Number.isInteger(v)) return { error: `must be a whole number` };
  if (b.minimum !== undefined && v < b.minimum) return { error: `must be ≥ ${b.minimum}` };
  if (b.exclusiveMinimum !== undefined && v <= b.exclusiveMinimum) return { error: `must be > ${b.exclusiveMinimum}` };
  if (b.maximum !== undefined && v > b.maximum) return { error: `must be ≤ ${b.maximum}` };
  if (b.exclusiveMaximum !== undefined && v >= b.exclusiveMaximum) return { error: `must be < ${b.exclusiveMaximum}` };
  return { value: v };
}

/** A draft → the value the schema wants, or the problem with it (in words, for the field). */
export function parseDraft(f: FieldSpec, draft: Draft | undefined): { value?: unknown; error?: string } {
  switch (f.kind) {
    case 'number':
      return checkNumber(f, typeof draft === 'string' ? draft : '');
    case 'boolean':
      return { value: draft === true };
    case 'enum': {
      const v = typeof draft === 'string' ? draft : '';
      return f.options.includes(v) ? { value: v } : { error: `choose one of ${f.options.join(', ')}` };
    }
    case 'string': {
      const v = typeof draft === 'string' ? draft.trim() : '';
      if (v === '' && (f.required || (f.minLength ?? 0) > 0)) return { error: 'required' };
      return { value: v };
    }
    case 'numberList': {
      const items = Array.isArray(draft) ? draft : [];
      if (f.fixedLength !== undefined && items.length !== f.fixedLength) return { error: `needs exactly ${f.fixedLength} values` };
      if (f.minItems !== undefined && items.length < f.minItems) return { error: `needs at least ${f.minItems} value(s)` };
      if (f.maxItems !== undefined && items.length > f.maxItems) return { error: `at most ${f.maxItems} values` };
      const values: number[] = [];
      for (let i = 0; i < items.length; i++) {
        const r = checkNumber(f.item, items[i]);
        if (r.error) return { error: `item ${i + 1}: ${r.error}` };
        values.push(r.value!);
      }
      return { value: values };
    }
    case 'unsupported':
      return { value: f.default };
  }
}

/** A value (default, preset, a run's config) → the draft its input shows. */
export function draftOf(f: FieldSpec, value: unknown): Draft {
  switch (f.kind) {
    case 'boolean':
      return value === true;
    case 'numberList':
      return Array.isArray(value) ? value.map((v) => String(v)) : [];
    case 'number':
      return typeof value === 'number' ? String(value) : '';
    default:
      return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  }
}

/** Drafts for every field: schema defaults, overlaid by `values` (a preset's, the dataset folder). */
export function draftsFor(fields: readonly FieldSpec[], values: Record<string, unknown>): Record<string, Draft> {
  const d: Record<string, Draft> = {};
  for (const f of fields) d[f.key] = draftOf(f, f.key in values ? values[f.key] : f.default);
  return d;
}
