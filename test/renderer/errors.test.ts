// Server errors that name a config field are shown next to that field.
import { describe, expect, it } from 'vitest';
import { fieldErrorsFrom } from '../../src/renderer/lib/errors';

const keys = ['data', 'patchSize', 'lr', 'widths'];

describe('fieldErrorsFrom', () => {
  it("finds the field in the engine's config errors (one per line)", () => {
    const msg = "train:start: config of 'brats': patchSize.1: Too small: expected number to be >0\nconfig of 'brats': lr: Invalid input: expected number, received string";
    expect(fieldErrorsFrom(msg, keys)).toEqual({ fields: { patchSize: 'Too small: expected number to be >0 (item 2)', lr: 'Invalid input: expected number, received string' }, rest: [] });
  });

  it("finds it in the door's request validation (config.<key>, joined by '; ')", () => {
    const msg = 'train:start: invalid request: config.widths.0: Too small; experiment: Required';
    const r = fieldErrorsFrom(msg, keys);
    expect(r.fields).toEqual({ widths: 'Too small (item 1)' });
    expect(r.rest).toEqual(['experiment: Required']);
  });

  it('leaves messages about no known field alone', () => {
    expect(fieldErrorsFrom('the engine is busy with job j2', keys)).toEqual({ fields: {}, rest: ['the engine is busy with job j2'] });
  });
});
