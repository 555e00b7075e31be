/**
 * The Train form's values: drafts per field (as typed), client-side problems from the JSON Schema
 * bounds, and problems the server named a field in (cleared when that field is edited).
 */
import { type Draft, draftsFor, type FieldSpec, fieldsOf, parseDraft } from '../lib/config-schema';

export class ConfigFormState {
  fields = $state.raw<FieldSpec[]>([]);
  drafts = $state<Record<string, Draft>>({});
  serverErrors = $state<Record<string, string>>({});

  private parsed = $derived(Object.fromEntries(this.fields.map((f) => [f.key, parseDraft(f, this.drafts[f.key])])));

  /** field → its problem (the client's first, else the server's). */
  errors = $derived.by(() => {
    const out: Record<string, string> = {};
    for (const f of this.fields) {
      const msg = this.parsed[f.key]?.error ?? this.serverErrors[f.key];
      if (msg) out[f.key] = msg;
    }
    return out;
  });
  valid = $derived(Object.keys(this.errors).length === 0);
  /** The config the form describes (fields with problems are left out). */
  values = $derived(Object.fromEntries(Object.entries(this.parsed).filter(([, r]) => r.error === undefined).map(([k, r]) => [k, r.value])));

  /** New schema or preset: every field from its default, overlaid by `values`. */
  reset(schema: Record<string, unknown> | null, values: Record<string, unknown> = {}): void {
    if (schema) this.fields = fieldsOf(schema);
    this.drafts = draftsFor(this.fields, values);
    this.serverErrors = {};
  }

  set(key: string, draft: Draft): void {
    this.drafts[key] = draft;
    if (key in this.serverErrors) delete this.serverErrors[key];
  }

  /** Fields whose value differs from the schema default (shown as changed). */
  isDefault(key: string): boolean {
    const f = this.fields.find((x) => x.key === key);
    // A field without a default (the dataset folder) has nothing to differ from.
    return !f || f.default === undefined || JSON.stringify(this.values[key]) === JSON.stringify(f.default);
  }
}
