import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint, toTensor } from './checkpoint';

const tmp = () => mkdtempSync(join(tmpdir(), 'frugal-ckpt-'));

describe('safetensors checkpoints', () => {
  it('writes the exact bytes of a small hand-built example', async () => {
    const p = join(tmp(), 'a.safetensors');
    await saveCheckpoint(p, { a: { data: new Float32Array([1, -2]), shape: [2] } }, { step: 3 });
    // Header: 29 chars of metadata ('{"__metadata__":{"step":"3"},') + 53 of the entry = 82,
    // padded with 6 spaces to 88 (a multiple of 8). Then 2 × 4 data bytes: 104 bytes in all.
    const header = '{"__metadata__":{"step":"3"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}' + ' '.repeat(6);
    const expected = Buffer.concat([
      Buffer.from([88, 0, 0, 0, 0, 0, 0, 0]), // u64 little-endian header length
      Buffer.from(header, 'utf8'),
      Buffer.from([0x00, 0x00, 0x80, 0x3f]), // 1.0f  = 0x3F800000, little-endian
      Buffer.from([0x00, 0x00, 0x00, 0xc0]), // -2.0f = 0xC0000000
    ]);
    const got = readFileSync(p);
    expect(got.length).toBe(104);
    expect(got.equals(expected)).toBe(true);
    // And a hand-built file reads back.
    const q = join(tmp(), 'hand.safetensors');
    writeFileSync(q, expected);
    const { tensors, metadata } = await loadCheckpoint(q);
    expect(metadata).toEqual({ step: 3 });
    expect(tensors.get('a')).toEqual({ dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) });
  });

  it('round-trips tf tensors and typed arrays exactly, 4-byte dtypes first, metadata intact', async () => {
    const p = join(tmp(), 'r.safetensors');
    const w = tf.tensor([[0.1, -1e-30], [3.4e38, Math.PI]]); // awkward float32 values
    const step = tf.scalar(7, 'int32');
    const mask = tf.tensor([true, false, true], [3], 'bool');
    const before = tf.memory().numTensors;
    const meta = { step: 120, config: { lr: 1e-3, layers: [2, 4] }, note: 'adam state', nothing: null };
    await saveCheckpoint(
      p,
      new Map<string, tf.Tensor | { data: Float32Array | Int32Array | Uint8Array; shape: number[] }>([
        ['mask', mask],
        ['enc.0.w', w],
        ['bytes', { data: new Uint8Array([9]), shape: [1] }],
        ['adam.t', step],
        ['empty', { data: new Float32Array(0), shape: [0, 3] }],
      ]),
      meta,
    );
    expect(tf.memory().numTensors).toBe(before); // saving reads, never allocates tensors
    const { tensors, metadata } = await loadCheckpoint(p);
    expect(metadata).toEqual(meta);
    // Order on disk: F32/I32 first (caller order among them), then the 1-byte ones.
    expect([...tensors.keys()]).toEqual(['enc.0.w', 'adam.t', 'empty', 'mask', 'bytes']);
    expect(tensors.get('enc.0.w')!.data).toEqual(new Float32Array([0.1, -1e-30, 3.4e38, Math.PI]));
    expect(tensors.get('enc.0.w')!.shape).toEqual([2, 2]);
    expect(tensors.get('adam.t')).toEqual({ dtype: 'I32', shape: [], data: new Int32Array([7]) });
    expect(tensors.get('mask')).toEqual({ dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) });
    expect(tensors.get('bytes')).toEqual({ dtype: 'U8', shape: [1], data: new Uint8Array([9]) });
    expect(tensors.get('empty')!.shape).toEqual([0, 3]);
    const raw = readFileSync(p);
    const n = Number(raw.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = JSON.parse(raw.toString('utf8', 8, 8 + n));
    // enc.0.w: 16 bytes at 0; adam.t: 4 bytes at 16; empty: 0 bytes at 20; mask: 3 at 20; bytes: 1 at 23.
    expect(header['enc.0.w'].data_offsets).toEqual([0, 16]);
    expect(header['adam.t'].data_offsets).toEqual([16, 20]);
    expect(header.mask.data_offsets).toEqual([20, 23]);
    expect(header.bytes.data_offsets).toEqual([23, 24]);
    expect(raw.length).toBe(8 + n + 24);
    const back = toTensor(tensors.get('enc.0.w')!);
    expect(Array.from(await back.data())).toEqual(Array.from(await w.data()));
    tf.dispose([w, step, mask, back]);
  });

  it('refuses to overwrite an existing checkpoint', async () => {
    const p = join(tmp(), 'o.safetensors');
    await saveCheckpoint(p, { a: { data: new Float32Array([1]), shape: [1] } });
    await expect(saveCheckpoint(p, { a: { data: new Float32Array([2]), shape: [1] } })).rejects.toThrow('refusing to overwrite');
    expect((await loadCheckpoint(p)).tensors.get('a')!.data).toEqual(new Float32Array([1]));
  });

  it('rejects bad input with errors naming the tensor or file', async () => {
    const d = tmp();
    await expect(saveCheckpoint(join(d, 'x'), { a: { data: new Float32Array(5), shape: [2, 2] } })).rejects.toThrow(
      'tensor "a" has shape [2,2] (4 elements) but 5 values',
    );
    const s = tf.tensor([1]);
    s.dispose();
    await expect(saveCheckpoint(join(d, 'y'), { s })).rejects.toThrow('tensor "s" is disposed');
  });

  it('reports truncated files and bad headers, naming the file', async () => {
    const d = tmp();
    const p = join(d, 'full.safetensors');
    await saveCheckpoint(p, { w: { data: new Float32Array([1, 2, 3, 4]), shape: [4] } });
    const full = readFileSync(p);
    const cut = join(d, 'cut.safetensors');
    writeFileSync(cut, full.subarray(0, full.length - 3)); // data cut mid-tensor
    await expect(loadCheckpoint(cut)).rejects.toThrow(`checkpoint ${cut}: tensor "w": truncated: needs bytes up to ${full.length}, file has ${full.length - 3}`);
    writeFileSync(cut, full.subarray(0, 20)); // cut inside the header
    await expect(loadCheckpoint(cut)).rejects.toThrow(`checkpoint ${cut}: truncated: header needs`);
    writeFileSync(cut, full.subarray(0, 5));
    await expect(loadCheckpoint(cut)).rejects.toThrow(`checkpoint ${cut}: truncated (5 bytes`);
    const bad = join(d, 'bad.safetensors');
    const junk = Buffer.alloc(16, 0x20);
    junk.writeBigUInt64LE(8n, 0);
    junk.write('{nope', 8);
    writeFileSync(bad, junk);
    await expect(loadCheckpoint(bad)).rejects.toThrow(`checkpoint ${bad}: header is not valid JSON`);
    writeFileSync(bad, Buffer.from('PK\x03\x04 a zip file, not safetensors'));
    await expect(loadCheckpoint(bad)).rejects.toThrow(`checkpoint ${bad}: header length`);
    const f16 = Buffer.from('{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}    '); // 56 bytes
    writeFileSync(bad, Buffer.concat([Buffer.from([56, 0, 0, 0, 0, 0, 0, 0]), f16, Buffer.alloc(2)]));
    await expect(loadCheckpoint(bad)).rejects.toThrow(`tensor "h": dtype F16 is not supported`);
    await expect(loadCheckpoint(join(d, 'missing'))).rejects.toThrow(`checkpoint ${join(d, 'missing')}: cannot read`);
  });
});
