/**
 * Config resolution: defaults ← preset ← overrides, validated by the experiment's schema, which
 * rejects unknown keys and wrong types with messages naming the key; the result is frozen and
 * saved with the run (STYLE.md §7). Also: the schema as JSON Schema (for the GUI's form) and the
 * coercion of command-line strings to the schema's types (for the CLI's flags).
 */
import { z } from 'zod';
import type { AnyObjectSchema, Experiment } from './experiment';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function formatIssues(error: z.ZodError, where: string): string {
  return error.issues
    .map((i) => {
      const path = i.path.length ? i.path.join('.') : '(config)';
      return `${where}: ${path}: ${i.message}`;
    })
    .join('\n');
}

export function resolveConfig<S extends AnyObjectSchema>(
  exp: Experiment<S>,
  opts: { preset?: string; overrides?: Record<string, unknown> } = {},
): Readonly<z.output<S>> {
  let presetValues: Record<string, unknown> = {};
  if (opts.preset !== undefined) {
    const p = exp.presets[opts.preset];
    if (!p) throw new ConfigError(`experiment '${exp.id}' has no preset '${opts.preset}' (presets: ${Object.keys(exp.presets).join(', ') || 'none'})`);
    presetValues = p.values as Record<string, unknown>;
  }
  const merged = { ...presetValues, ...(opts.overrides ?? {}) };
  const parsed = exp.configSchema.strict().safeParse(merged);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, `config of '${exp.id}'`));
  return deepFreeze(parsed.data) as Readonly<z.output<S>>;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    Object.values(v).forEach(deepFreeze);
    Object.freeze(v);
  }
  return v;
}

export interface JsonSchemaProperty {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  items?: JsonSchemaProperty | false;
  prefixItems?: JsonSchemaProperty[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
}

export interface ConfigJsonSchema {
  properties: Record<string, JsonSchemaProperty>;
  required?: string[];
}

export function configJsonSchema(exp: Experiment): ConfigJsonSchema {
  return z.toJSONSchema(exp.configSchema, { io: 'input' }) as unknown as ConfigJsonSchema;
}

/** A command-line string → the JSON type the schema property wants (validation comes later). */
export function coerceCliValue(key: string, prop: JsonSchemaProperty, raw: string): unknown {
  const num = (s: string): number => {
    const n = Number(s);
    if (s.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`--${key}: '${s}' is not a number`);
    return n;
  };
  switch (prop.type) {
    case 'number':
    case 'integer':
      return num(raw);
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(raw)) return true;
      if (/^(false|0|no|off)$/i.test(raw)) return false;
      throw new ConfigError(`--${key}: '${raw}' is not a boolean (true/false)`);
    case 'array': {
      const parts = raw.split(/[,x×]/).map((s) => s.trim()).filter((s) => s !== '');
      const itemType = (prop.prefixItems?.[0] ?? (prop.items || undefined))?.type;
      return itemType === 'number' || itemType === 'integer' ? parts.map(num) : parts;
    }
    default:
      return raw;
  }
}

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
