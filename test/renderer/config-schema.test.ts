// The Train form generated from the brats config's JSON Schema (as z.toJSONSchema writes it).
import { describe, expect, it } from 'vitest';
import schema from '../../src/renderer/dev/brats-schema.json';
import { describeBounds, draftsFor, type FieldSpec, fieldsOf, parseDraft } from '../../src/renderer/lib/config-schema';

const fields = fieldsOf(schema as Record<string, unknown>);
const field = (k: string): FieldSpec => fields.find((f) => f.key === k)!;

describe('fieldsOf', () => {
  it('gives every property a control of the right kind', () => {
    expect(field('data')).toMatchObject({ kind: 'string', required: true });
    expect(field('seed')).toMatchObject({ kind: 'number', integer: true, minimum: 0 });
    expect(field('valFraction')).toMatchObject({ kind: 'number', integer: false, minimum: 0, maximum: 0.9 });
    expect(field('reversible')).toMatchObject({ kind: 'boolean', default: true });
    expect(field('activation')).toMatchObject({ kind: 'enum', default: 'silu' });
    expect(field('widths')).toMatchObject({ kind: 'numberList', minItems: 1, maxItems: 6, fixedLength: undefined });
    expect(field('patchSize')).toMatchObject({ kind: 'numberList', fixedLength: 3, default: [128, 128, 128] });
    expect(fields.some((f) => f.kind === 'unsupported')).toBe(false);
  });

  it("hides zod's Number.MAX_SAFE_INTEGER stand-in for 'no maximum'", () => {
    expect(field('seed')).not.toHaveProperty('maximum');
    expect(describeBounds(field('seed') as Extract<FieldSpec, { kind: 'number' }>)).toBe('integer, ≥ 0');
    expect(describeBounds(field('batchSize') as Extract<FieldSpec, { kind: 'number' }>)).toBe('integer, > 0');
    expect(describeBounds(field('valFraction') as Extract<FieldSpec, { kind: 'number' }>)).toBe('number, 0 … 0.9');
  });
});

describe('parseDraft', () => {
  it('checks numbers against the schema bounds, naming the problem', () => {
    const seed = field('seed');
    expect(parseDraft(seed, '3')).toEqual({ value: 3 });
    expect(parseDraft(seed, '-1').error).toBe('must be ≥ 0');
    expect(parseDraft(seed, '1.5').error).toBe('must be a whole number');
    expect(parseDraft(seed, 'abc').error).toBe("'abc' is not a number");
    expect(parseDraft(seed, ' ').error).toBe('required');
    expect(parseDraft(field('batchSize'), '0').error).toBe('must be > 0');
    expect(parseDraft(field('valFraction'), '0.95').error).toBe('must be ≤ 0.9');
  });

  it('checks list items and lengths', () => {
    expect(parseDraft(field('patchSize'), ['32', '64', '32'])).toEqual({ value: [32, 64, 32] });
    expect(parseDraft(field('patchSize'), ['32', '0', '32']).error).toBe('item 2: must be > 0');
    expect(parseDraft(field('patchSize'), ['32', '32']).error).toBe('needs exactly 3 values');
    expect(parseDraft(field('widths'), []).error).toBe('needs at least 1 value(s)');
    expect(parseDraft(field('widths'), ['8', '16', '32', '64', '128', '256', '512']).error).toBe('at most 6 values');
  });

  it('enums accept only their options; required strings must not be blank', () => {
    expect(parseDraft(field('activation'), 'relu')).toEqual({ value: 'relu' });
    expect(parseDraft(field('activation'), 'tanh').error).toMatch(/^choose one of silu, relu/);
    expect(parseDraft(field('data'), '  ').error).toBe('required');
    expect(parseDraft(field('data'), ' /d ')).toEqual({ value: '/d' });
  });
});

describe('draftsFor', () => {
  it('fills defaults, overlaid by preset values', () => {
    const d = draftsFor(fields, { patchSize: [32, 32, 32], reversible: false });
    expect(d.patchSize).toEqual(['32', '32', '32']);
    expect(d.widths).toEqual(['16', '32', '64', '128']);
    expect(d.reversible).toBe(false);
    expect(d.lr).toBe('0.001');
    expect(d.data).toBe('');
  });
});
