/**
 * The renderer's dev-only fake API and its form tests use a copy of the BraTS config schema
 * (src/renderer/dev/brats-schema.json: the renderer build cannot import the engine). This test
 * keeps the copy equal to what the engine serves; after changing the schema, write
 * JSON.stringify(configJsonSchema(bratsExperiment), null, 2) to that file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bratsExperiment } from '../src/training/experiments/brats';
import { configJsonSchema } from '../src/training/experiments/config';
import { ROOT } from './cli';

describe("the renderer's copy of the BraTS config schema", () => {
  it('equals the schema the engine serves', () => {
    const copy = JSON.parse(readFileSync(join(ROOT, 'src/renderer/dev/brats-schema.json'), 'utf8')) as unknown;
    expect(copy, 'refresh src/renderer/dev/brats-schema.json from configJsonSchema(bratsExperiment)').toEqual(configJsonSchema(bratsExperiment));
  });
});
