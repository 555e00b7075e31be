/**
 * NIfTI IO tests. Fixtures are built byte by byte here (NIfTI-1 and NIfTI-2 headers at the
 * offsets of nifti1.h / nifti2.h, either byte order) and written to a fresh os.tmpdir() folder,
 * so reading is checked against the standard's layout rather than against our own writer.
 */

import { mkdtempSync } from 'node:fs';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  NiftiError,
  type NiftiDatatype,
  type NiftiHeader,
  makeNiftiHeader,
  niftiAffine,
  qformAffine,
  readNifti,
  readNiftiHeader,
  readNiftiRaw,
  voxelCount,
  writeNifti,
} from './nifti';

const dir = mkdtempSync(join(tmpdir(), 'frugal-nifti-test-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
let fileNo = 0;
const tmp = (name: string): string => join(dir, `${fileNo++}-${name}`);

// ---- hand-made fixtures ----------------------------------------------------------------------

/** nifti1.h codes and widths, written out here so the module's own table is checked too. */
const CODE: Record<NiftiDatatype, number> = { uint8: 2, int16: 4, int32: 8, float32: 16, float64: 64, int8: 256, uint16: 512, uint32: 768 };
const WIDTH: Record<NiftiDatatype, number> = { uint8: 1, int8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, float64: 8 };

function voxelBytes(values: number[], dt: NiftiDatatype, le = true): Uint8Array {
  const out = new Uint8Array(values.length * WIDTH[dt]);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => {
    const at = i * WIDTH[dt];
    if (dt === 'uint8') v.setUint8(at, x);
    else if (dt === 'int8') v.setInt8(at, x);
    else if (dt === 'int16') v.setInt16(at, x, le);
    else if (dt === 'uint16') v.setUint16(at, x, le);
    else if (dt === 'int32') v.setInt32(at, x, le);
    else if (dt === 'uint32') v.setUint32(at, x, le);
    else if (dt === 'float32') v.setFloat32(at, x, le);
    else v.setFloat64(at, x, le);
  });
  return out;
}

interface HandHeader {
  le?: boolean;
  dim: number[]; // dim[0..] (padded with 1 to 8)
  datatype: number;
  bitpix: number;
  pixdim?: number[]; // pixdim[0..7]
  voxOffset?: number;
  slope?: number;
  inter?: number;
  qform?: number;
  sform?: number;
  quatern?: number[];
  qoffset?: number[];
  srow?: number[][];
  units?: number;
  magic?: string;
}

const padDim = (d: number[]): number[] => [...d, 1, 1, 1, 1, 1, 1, 1, 1].slice(0, 8);
const padPix = (p?: number[]): number[] => [...(p ?? [1, 1, 1, 1]), 1, 1, 1, 1, 1, 1, 1, 1].slice(0, 8);

/** NIfTI-1: 348-byte header (offsets from nifti1.h), extension flag, voxels at vox_offset. */
function nifti1Bytes(h: HandHeader, voxels: Uint8Array): Uint8Array {
  const le = h.le ?? true;
  const off = h.voxOffset ?? 352;
  const out = new Uint8Array(off + voxels.length);
  const v = new DataView(out.buffer);
  v.setInt32(0, 348, le);
  padDim(h.dim).forEach((d, k) => v.setInt16(40 + 2 * k, d, le));
  v.setInt16(70, h.datatype, le);
  v.setInt16(72, h.bitpix, le);
  padPix(h.pixdim).forEach((p, k) => v.setFloat32(76 + 4 * k, p, le));
  v.setFloat32(108, off, le);
  v.setFloat32(112, h.slope ?? 1, le);
  v.setFloat32(116, h.inter ?? 0, le);
  out[123] = h.units ?? 2;
  v.setInt16(252, h.qform ?? 0, le);
  v.setInt16(254, h.sform ?? 0, le);
  (h.quatern ?? [0, 0, 0]).forEach((q, k) => v.setFloat32(256 + 4 * k, q, le));
  (h.qoffset ?? [0, 0, 0]).forEach((q, k) => v.setFloat32(268 + 4 * k, q, le));
  (h.srow ?? []).forEach((row, r) => row.forEach((x, c) => v.setFloat32(280 + 16 * r + 4 * c, x, le)));
  [...(h.magic ?? 'n+1\0')].forEach((ch, k) => (out[344 + k] = ch.charCodeAt(0)));
  out.set(voxels, off);
  return out;
}

/** NIfTI-2: 540-byte header (nifti2.h): int64 dims and vox_offset, float64 pixdim and geometry. */
function nifti2Bytes(h: HandHeader, voxels: Uint8Array): Uint8Array {
  const le = h.le ?? true;
  const off = h.voxOffset ?? 544;
  const out = new Uint8Array(off + voxels.length);
  const v = new DataView(out.buffer);
  v.setInt32(0, 540, le);
  [...'n+2\0\r\n\x1a\n'].forEach((ch, k) => (out[4 + k] = ch.charCodeAt(0)));
  v.setInt16(12, h.datatype, le);
  v.setInt16(14, h.bitpix, le);
  padDim(h.dim).forEach((d, k) => v.setBigInt64(16 + 8 * k, BigInt(d), le));
  padPix(h.pixdim).forEach((p, k) => v.setFloat64(104 + 8 * k, p, le));
  v.setBigInt64(168, BigInt(off), le);
  v.setFloat64(176, h.slope ?? 1, le);
  v.setFloat64(184, h.inter ?? 0, le);
  v.setInt32(344, h.qform ?? 0, le);
  v.setInt32(348, h.sform ?? 0, le);
  (h.quatern ?? [0, 0, 0]).forEach((q, k) => v.setFloat64(352 + 8 * k, q, le));
  (h.qoffset ?? [0, 0, 0]).forEach((q, k) => v.setFloat64(376 + 8 * k, q, le));
  (h.srow ?? []).forEach((row, r) => row.forEach((x, c) => v.setFloat64(400 + 32 * r + 8 * c, x, le)));
  v.setInt32(500, h.units ?? 2, le);
  out.set(voxels, off);
  return out;
}

async function put(name: string, bytes: Uint8Array): Promise<string> {
  const path = tmp(name);
  await writeFile(path, name.endsWith('.gz') ? gzipSync(bytes) : bytes);
  return path;
}

/** Element-wise Object.is, so NaN == NaN and -0 ≠ 0. */
function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  const bad = Array.from(expected).flatMap((e, i) => (Object.is(actual[i], e) ? [] : [`[${i}] ${actual[i]} ≠ ${e}`]));
  expect(bad).toEqual([]);
}

async function expectNiftiError(promise: Promise<unknown>, path: string, problem: RegExp): Promise<NiftiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NiftiError);
  const e = err as NiftiError;
  expect(e.path).toBe(path);
  expect(e.message.startsWith(`${path}: `)).toBe(true);
  expect(e.message).toMatch(problem);
  return e;
}

// ---- round trips ------------------------------------------------------------------------------

// 12 voxels (3×2×2) per type, covering each type's extremes.
const VALUES: Record<NiftiDatatype, number[]> = {
  uint8: [0, 1, 2, 17, 100, 127, 128, 200, 250, 253, 254, 255],
  int8: [-128, -127, -100, -1, 0, 1, 2, 50, 100, 125, 126, 127],
  int16: [-32768, -32767, -1000, -1, 0, 1, 2, 999, 12345, 30000, 32766, 32767],
  uint16: [0, 1, 2, 255, 256, 1000, 30000, 32768, 40000, 65000, 65534, 65535],
  // beyond ±2^24 int32 is not exact in float32: readNiftiRaw is exact, readNifti gives fround(v)
  int32: [-2147483648, -16777217, -100000, -1, 0, 1, 7, 65536, 1000000, 16777216, 16777217, 2147483647],
  uint32: [0, 1, 2, 65535, 65536, 16777216, 16777217, 2147483648, 3000000000, 4000000000, 4294967294, 4294967295],
  float32: [0, -0, 1.5, -2.25, Math.fround(0.1), Math.fround(-1e-30), 3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45, NaN, Infinity, -Infinity],
  float64: [0, 0.1, 1 / 3, Math.PI, -Math.E, 1e-300, -1e30, 5e-324, 1.7976931348623157e308, 123456789.123456789, NaN, -0],
};

describe('round trip: write → read for every datatype, .nii and .nii.gz', () => {
  const dtypes = Object.keys(VALUES) as NiftiDatatype[];
  for (const dt of dtypes) {
    for (const ext of ['.nii', '.nii.gz']) {
      it(`${dt} ${ext}`, async () => {
        const path = tmp(`rt-${dt}${ext}`);
        const header = makeNiftiHeader([3, 2, 2], [1, 1, 1], { datatype: dt });
        await writeNifti(path, header, VALUES[dt]);

        const file = await readFile(path);
        expect(file[0] === 0x1f && file[1] === 0x8b).toBe(ext === '.nii.gz'); // gzip iff .gz
        const raw = await readNiftiRaw(path);
        expect(raw.header.datatype).toBe(dt);
        expectSameValues(raw.raw, VALUES[dt]); // exact, in the on-disk type
        const img = await readNifti(path);
        expect(img.header.dims).toEqual([3, 2, 2]);
        expectSameValues(img.data, Float32Array.from(VALUES[dt])); // float32 of the exact value
      });
    }
  }

  it('writes the documented NIfTI-1 header fields', async () => {
    const path = tmp('fields.nii.gz');
    const header = makeNiftiHeader([3, 2, 2], [1, 1, 1], { datatype: 'int16' });
    await writeNifti(path, header, [5, -7, 3, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
    const bytes = gunzipSync(await readFile(path));
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(bytes.length).toBe(352 + 12 * 2); // header + extension flag + 12 int16 voxels
    expect(v.getInt32(0, true)).toBe(348); // sizeof_hdr
    expect(v.getInt16(70, true)).toBe(CODE.int16);
    expect(v.getInt16(72, true)).toBe(16); // bitpix
    expect(v.getFloat32(108, true)).toBe(352); // vox_offset
    expect(v.getFloat32(112, true)).toBe(1); // scl_slope
    expect(v.getFloat32(116, true)).toBe(0); // scl_inter
    expect(v.getFloat32(124, true)).toBe(9); // cal_max = max of the data
    expect(v.getFloat32(128, true)).toBe(-7); // cal_min = min of the data
    expect(bytes.subarray(148, 161).toString()).toBe('Frugal Studio');
    expect(bytes[161]).toBe(0);
    expect(bytes.subarray(344, 348).toString()).toBe('n+1\0');
    expect(v.getInt16(352 + 2, true)).toBe(-7); // second voxel, little-endian
  });

  it('writes other datatypes than the header says, rounding (half up) and clamping to the integer range', async () => {
    const path = tmp('convert.nii');
    const header = makeNiftiHeader([12, 1, 1], [1, 1, 1], { datatype: 'float32' });
    const values = [1.4, 1.5, -1.5, 2.6, 300, -5, NaN, Infinity, -Infinity, 254.5, 0.49, 7];
    await writeNifti(path, header, values, { datatype: 'uint8' });
    const { header: h, raw } = await readNiftiRaw(path);
    expect(h.datatype).toBe('uint8');
    // round: 1, 2, -1→clamp 0, 3, 300→255, -5→0, NaN→0, +Inf→255, -Inf→0, 254.5→255, 0, 7
    expectSameValues(raw, [1, 2, 0, 3, 255, 0, 0, 255, 0, 255, 0, 7]);

    const path16 = tmp('convert16.nii.gz');
    await writeNifti(path16, header, [-2.5, -1.5, -0.5, 0.5, 40000, -40000, 1, 2, 3, 4, 5, 6], { datatype: 'int16' });
    // Math.round: -2.5→-2, -1.5→-1, -0.5→-0 (stored as 0), 0.5→1; ±40000 clamp to 32767 / -32768
    expectSameValues((await readNiftiRaw(path16)).raw, [-2, -1, 0, 1, 32767, -32768, 1, 2, 3, 4, 5, 6]);
  });
});

// ---- geometry ---------------------------------------------------------------------------------

/** An oblique, left-handed scan header; every number is float32-representable so NIfTI-1 keeps it exactly. */
function obliqueHeader(): NiftiHeader {
  const f = Math.fround;
  return {
    version: 1,
    dims: [5, 4, 3],
    pixdim: [f(0.9375), f(0.9375), f(1.2)],
    qfac: -1,
    qformCode: 1,
    sformCode: 2,
    quatern: [f(0.1), f(-0.2), f(0.3)],
    qoffset: [f(-120.5), f(95.25), f(-60.1)],
    srow: [
      [f(-0.93), f(0.01), f(0.02), f(119.7)],
      [f(0.015), f(0.92), f(-0.1), f(-96.3)],
      [f(0.03), f(0.09), f(1.19), f(-59.9)],
    ],
    xyztUnits: 10, // mm + s
    datatype: 'float32',
    sclSlope: 1,
    sclInter: 0,
    description: 'source',
  };
}

describe('geometry', () => {
  it('keeps dims, pixdim, qfac, qform/sform codes, quaternion, offsets, srow, units and the affine through write → read', async () => {
    for (const sformCode of [2, 0]) {
      const header = { ...obliqueHeader(), sformCode };
      const path = tmp(`geom-${sformCode}.nii.gz`);
      await writeNifti(path, header, new Float32Array(voxelCount(header)).map((_, i) => i));
      const back = (await readNifti(path)).header;
      expect(back).toEqual({ ...header, description: 'Frugal Studio' });
      expect(niftiAffine(back)).toEqual(niftiAffine(header)); // the sform for 2, the qform for 0
      expect(qformAffine(back)).toEqual(qformAffine(header));
    }
  });

  it('builds the affine from the qform quaternion by hand', () => {
    // 90° about z: (a, b, c, d) = (cos 45°, 0, 0, sin 45°) = (√½, 0, 0, √½).
    // R = [[a²+b²-c²-d², 2(bc-ad), 2(bd+ac)], [2(bc+ad), a²+c²-b²-d², 2(cd-ab)], [2(bd-ac), 2(cd+ab), a²+d²-c²-b²]]
    //   = [[½-½, -2·½, 0], [2·½, ½-½, 0], [0, 0, ½+½]] = [[0,-1,0],[1,0,0],[0,0,1]].
    // Columns times pixdim (2, 3, 4), the k column times qfac = -1: [[0,-3,0],[2,0,0],[0,0,-4]];
    // translation = qoffset (10, 20, 30).
    const h = { ...obliqueHeader(), sformCode: 0, pixdim: [2, 3, 4] as [number, number, number], quatern: [0, 0, Math.SQRT1_2] as [number, number, number], qoffset: [10, 20, 30] as [number, number, number] };
    const expected = [
      [0, -3, 0, 10],
      [2, 0, 0, 20],
      [0, 0, -4, 30],
      [0, 0, 0, 1],
    ];
    niftiAffine(h).forEach((row, r) => row.forEach((x, c) => expect(x).toBeCloseTo(expected[r][c], 12)));

    // 180° about x: (b, c, d) = (1, 0, 0) makes a = 1 - 1 = 0 (nifti1_io's special case),
    // R = [[1,0,0],[0,-1,0],[0,0,-1]]; pixdim (2, 2, 2), qfac +1, offset 0.
    const flip = { ...h, qfac: 1, pixdim: [2, 2, 2] as [number, number, number], quatern: [1, 0, 0] as [number, number, number], qoffset: [0, 0, 0] as [number, number, number] };
    expect(niftiAffine(flip).map((row) => row.map((x) => x + 0))).toEqual([
      [2, 0, 0, 0],
      [0, -2, 0, 0],
      [0, 0, -2, 0],
      [0, 0, 0, 1],
    ]);
  });

  it('prefers the sform, then the qform, then the pixdim diagonal (method 1)', () => {
    const h = obliqueHeader();
    expect(niftiAffine(h)).toEqual([...h.srow, [0, 0, 0, 1]]);
    expect(niftiAffine({ ...h, sformCode: 0 })).toEqual(qformAffine(h));
    expect(niftiAffine({ ...h, sformCode: 0, qformCode: 0 })).toEqual([
      [h.pixdim[0], 0, 0, 0],
      [0, h.pixdim[1], 0, 0],
      [0, 0, h.pixdim[2], 0],
      [0, 0, 0, 1],
    ]);
  });

  it('makeNiftiHeader: RAS+ with the origin voxel at world 0, same affine from qform and sform', () => {
    const h = makeNiftiHeader([4, 6, 8], [1, 2, 3], { datatype: 'uint8' });
    // default origin = grid centre ((4-1)/2, (6-1)/2, (8-1)/2) = (1.5, 2.5, 3.5); offset = -pixdim·origin
    const expected = [
      [1, 0, 0, -1.5],
      [0, 2, 0, -5],
      [0, 0, 3, -10.5],
      [0, 0, 0, 1],
    ];
    expect(niftiAffine(h)).toEqual(expected);
    expect(qformAffine(h)).toEqual(expected);
    expect([h.qformCode, h.sformCode, h.datatype, voxelCount(h)]).toEqual([1, 1, 'uint8', 4 * 6 * 8]);
    expect(niftiAffine(makeNiftiHeader([4, 6, 8], [1, 2, 3], { origin: [0, 0, 0] }))[1]).toEqual([0, 2, 0, 0]);
  });
});

// ---- hand-made files: scaling, NIfTI-2, big-endian ---------------------------------------------

describe('reading hand-made files', () => {
  it('applies scl_slope and scl_inter: y = 2·x - 1', async () => {
    const x = [0, 1, -3, 100, 32767, -32768];
    const path = await put('scaled.nii', nifti1Bytes({ dim: [3, 3, 2, 1], datatype: CODE.int16, bitpix: 16, slope: 2, inter: -1 }, voxelBytes(x, 'int16')));
    const img = await readNifti(path);
    // 2·0-1 = -1, 2·1-1 = 1, 2·(-3)-1 = -7, 2·100-1 = 199, 2·32767-1 = 65533, 2·(-32768)-1 = -65537
    expectSameValues(img.data, [-1, 1, -7, 199, 65533, -65537]);
    expect([img.header.sclSlope, img.header.sclInter]).toEqual([2, -1]);
    expectSameValues((await readNiftiRaw(path)).raw, x); // raw stays unscaled
  });

  it('treats scl_slope 0 or NaN as "no scaling" (scl_inter ignored too)', async () => {
    for (const slope of [0, NaN]) {
      const path = await put('noscale.nii.gz', nifti1Bytes({ dim: [3, 2, 1, 1], datatype: CODE.uint8, bitpix: 8, slope, inter: 5 }, voxelBytes([0, 7], 'uint8')));
      expectSameValues((await readNifti(path)).data, [0, 7]);
    }
  });

  it('reads a NIfTI-2 file (540-byte header, int64 dims, float64 geometry), plain and gzipped', async () => {
    const values = [0.1, 1 / 3, -2.5, 1e10, 7, 8, 9, 10, 11, 12, 13, -0.7];
    const srow = [
      [-0.7, 0, 0, 90.25],
      [0, 0.8, 0, -126.125],
      [0, 0, 1.1, -72.2],
    ];
    const bytes = nifti2Bytes(
      { dim: [3, 3, 2, 2], datatype: CODE.float64, bitpix: 64, pixdim: [-1, 0.7, 0.8, 1.1], qform: 1, sform: 2, quatern: [0, 0, Math.SQRT1_2], qoffset: [1.5, -2.5, 3.5], srow, units: 10 },
      voxelBytes(values, 'float64'),
    );
    for (const name of ['v2.nii', 'v2.nii.gz']) {
      const path = await put(name, bytes);
      const img = await readNifti(path);
      expect(img.header).toEqual({
        version: 2,
        dims: [3, 2, 2],
        pixdim: [0.7, 0.8, 1.1], // float64 kept exactly
        qfac: -1,
        qformCode: 1,
        sformCode: 2,
        quatern: [0, 0, Math.SQRT1_2],
        qoffset: [1.5, -2.5, 3.5],
        srow,
        xyztUnits: 10,
        datatype: 'float64',
        sclSlope: 1,
        sclInter: 0,
        description: '',
      });
      expect(niftiAffine(img.header)).toEqual([...srow, [0, 0, 0, 1]]);
      expectSameValues(img.data, Float32Array.from(values));
      expectSameValues((await readNiftiRaw(path)).raw, values);
      expect(await readNiftiHeader(path)).toEqual(img.header);
    }
  });

  it('writes a NIfTI-2 source geometry back as NIfTI-1 (float32 fields)', async () => {
    const srow = [
      [-0.7, 0, 0, 90.25],
      [0, 0.8, 0, -126.125],
      [0, 0, 1.1, -72.2],
    ];
    const src = await put('v2src.nii', nifti2Bytes({ dim: [3, 3, 2, 2], datatype: CODE.int16, bitpix: 16, pixdim: [-1, 0.7, 0.8, 1.1], qform: 1, sform: 2, quatern: [0, 0, Math.SQRT1_2], qoffset: [1.5, -2.5, 3.5], srow }, voxelBytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'int16')));
    const scan = await readNifti(src);
    const out = tmp('from-v2.nii.gz');
    await writeNifti(out, scan.header, scan.data, { datatype: 'uint8' });
    const mask = await readNifti(out);
    const f = Math.fround;
    expect(mask.header).toMatchObject({ version: 1, dims: [3, 2, 2], pixdim: [f(0.7), f(0.8), f(1.1)], qfac: -1, qformCode: 1, sformCode: 2, datatype: 'uint8' });
    expect(mask.header.srow).toEqual(srow.map((row) => row.map(f)));
    expect(mask.header.quatern).toEqual([0, 0, f(Math.SQRT1_2)]);
    // float32 rounding moves the affine by at most ~1e-7 relative: 90.25 etc. are exact, -72.2 is off by < 2e-6
    niftiAffine(mask.header).forEach((row, r) => row.forEach((x, c) => expect(x).toBeCloseTo(niftiAffine(scan.header)[r][c], 5)));
    expectSameValues(mask.data, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('reads big-endian NIfTI-1 (int16, float32) and NIfTI-2 (uint16) files', async () => {
    const geom = { pixdim: [1, 0.5, 0.75, 2], qform: 1, quatern: [0.25, 0.5, -0.25], qoffset: [-10, 20, -30], sform: 1, srow: [[0.5, 0, 0, -10], [0, 0.75, 0, 20], [0, 0, 2, -30]] };
    const i16 = [-300, -1, 0, 1, 256, 32767];
    const p16 = await put('be16.nii.gz', nifti1Bytes({ le: false, dim: [3, 3, 2, 1], datatype: CODE.int16, bitpix: 16, ...geom }, voxelBytes(i16, 'int16', false)));
    const img = await readNifti(p16);
    expectSameValues(img.data, i16);
    expect(img.header).toMatchObject({ pixdim: [0.5, 0.75, 2], quatern: [0.25, 0.5, -0.25], qoffset: [-10, 20, -30], srow: geom.srow, sformCode: 1 });

    const f32 = [1.5, -2.25, 1e-3, 65504.5, -0, NaN].map(Math.fround);
    const pf = await put('bef32.nii', nifti1Bytes({ le: false, dim: [3, 3, 2, 1], datatype: CODE.float32, bitpix: 32, ...geom }, voxelBytes(f32, 'float32', false)));
    expectSameValues((await readNifti(pf)).data, f32);

    const u16 = [0, 1, 258, 40000, 65535, 513];
    const p2 = await put('be-v2.nii.gz', nifti2Bytes({ le: false, dim: [3, 3, 2, 1], datatype: CODE.uint16, bitpix: 16, ...geom }, voxelBytes(u16, 'uint16', false)));
    const img2 = await readNifti(p2);
    expectSameValues(img2.data, u16);
    expect(img2.header.dims).toEqual([3, 2, 1]);
  });

  it('accepts dim[0] = 4 with dim[4] = 1 as a 3-D volume', async () => {
    const path = await put('4d1.nii', nifti1Bytes({ dim: [4, 2, 1, 1, 1], datatype: CODE.uint8, bitpix: 8 }, voxelBytes([3, 4], 'uint8')));
    expectSameValues((await readNifti(path)).data, [3, 4]);
  });

  it('readNiftiHeader agrees with readNifti on a larger .nii and .nii.gz without inflating the voxels', async () => {
    const header = makeNiftiHeader([64, 64, 40], [1, 1, 2.5], { datatype: 'int16' });
    const data = new Int16Array(voxelCount(header)).map((_, i) => (i * 7919) % 4001);
    for (const ext of ['.nii', '.nii.gz']) {
      const path = tmp(`big${ext}`);
      await writeNifti(path, header, data);
      expect(await readNiftiHeader(path)).toEqual((await readNifti(path)).header);
    }
  });
});

// ---- errors -----------------------------------------------------------------------------------

describe('errors name the file and the problem', () => {
  const int16Header = (over: Partial<HandHeader> = {}): HandHeader => ({ dim: [3, 3, 2, 2], datatype: CODE.int16, bitpix: 16, ...over });

  it('missing file', async () => {
    const path = join(dir, 'does-not-exist.nii.gz');
    await expectNiftiError(readNifti(path), path, /file not found/);
    await expectNiftiError(readNiftiHeader(path), path, /file not found/);
  });

  it('file too short for a header', async () => {
    const path = await put('short.nii', new Uint8Array(100));
    await expectNiftiError(readNifti(path), path, /100 bytes, too short for a NIfTI header/);
    const path2 = await put('short2.nii.gz', nifti2Bytes(int16Header(), new Uint8Array(24)).subarray(0, 400));
    await expectNiftiError(readNifti(path2), path2, /400 bytes, too short for a NIfTI-2 header \(540/);
  });

  it('not a NIfTI file, and bad magic', async () => {
    const path = await put('text.nii', new TextEncoder().encode('patient,age\n'.repeat(60)));
    await expectNiftiError(readNifti(path), path, /not a NIfTI file \(sizeof_hdr/);
    const bad = await put('badmagic.nii', nifti1Bytes(int16Header({ magic: 'xyz\0' }), new Uint8Array(24)));
    await expectNiftiError(readNifti(bad), bad, /bad magic "xyz"/);
    const pair = await put('pair.nii', nifti1Bytes(int16Header({ magic: 'ni1\0' }), new Uint8Array(24)));
    await expectNiftiError(readNifti(pair), pair, /\.hdr\/\.img pair/);
  });

  it('truncated data section (fewer bytes than dims × bitpix)', async () => {
    // 3×2×2 int16 needs 24 bytes after vox_offset 352; give 10.
    const bytes = nifti1Bytes(int16Header(), new Uint8Array(10));
    for (const name of ['trunc.nii', 'trunc.nii.gz']) {
      const path = await put(name, bytes);
      await expectNiftiError(readNifti(path), path, /truncated data: 3×2×2 int16 voxels need 24 bytes after vox_offset 352, but only 10/);
    }
    const plain = await put('trunc2.nii', bytes);
    await expectNiftiError(readNiftiHeader(plain), plain, /truncated data/); // .nii: checked from the file size
  });

  it('corrupt or truncated gzip', async () => {
    const path = await put('corrupt.nii', new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3]));
    await expectNiftiError(readNifti(path), path, /corrupt or truncated gzip/);
    await expectNiftiError(readNiftiHeader(path), path, /corrupt or truncated gzip/);
    const whole = gzipSync(nifti1Bytes(int16Header({ dim: [3, 20, 20, 20] }), voxelBytes(Array.from({ length: 8000 }, (_, i) => (i * 37) % 1000), 'int16')));
    const cut = tmp('cut.nii.gz');
    await writeFile(cut, whole.subarray(0, whole.length >> 1));
    await expectNiftiError(readNifti(cut), cut, /corrupt or truncated gzip data \(unexpected end of file\)/);
  });

  it('unsupported datatype, naming its code', async () => {
    const rgb = await put('rgb.nii', nifti1Bytes(int16Header({ datatype: 128, bitpix: 24 }), new Uint8Array(36)));
    await expectNiftiError(readNifti(rgb), rgb, /unsupported datatype code 128 \(rgb24\)/);
    const i64 = await put('i64.nii.gz', nifti1Bytes(int16Header({ datatype: 1024, bitpix: 64 }), new Uint8Array(96)));
    await expectNiftiError(readNiftiHeader(i64), i64, /unsupported datatype code 1024 \(int64\)/);
  });

  it('a true 4-D series', async () => {
    const path = await put('series.nii.gz', nifti1Bytes(int16Header({ dim: [4, 3, 2, 2, 5] }), new Uint8Array(120)));
    await expectNiftiError(readNifti(path), path, /4-D series \(dim = \[4, 3, 2, 2, 5\], dim\[4\] = 5\)/);
  });

  it('writer: bad length, bad extension', async () => {
    const header = makeNiftiHeader([3, 2, 2]);
    const p = tmp('short-data.nii');
    await expectNiftiError(writeNifti(p, header, [1, 2, 3]), p, /data has 3 values but dims 3×2×2 need 12/);
    const q = tmp('mask.img');
    await expectNiftiError(writeNifti(q, header, new Float32Array(12)), q, /must end in \.nii or \.nii\.gz/);
    expect((await readdir(dir)).filter((f) => f.includes('short-data') || f.includes('mask.img'))).toEqual([]);
  });
});

describe('atomic writes that never clobber', () => {
  it('refuses to overwrite an existing file and leaves it untouched, unless overwrite: true', async () => {
    const path = tmp('pred.nii.gz');
    const header = makeNiftiHeader([3, 2, 2], [1, 1, 1], { datatype: 'uint8' });
    await writeNifti(path, header, new Array(12).fill(1));
    const before = await readFile(path);

    await expectNiftiError(writeNifti(path, header, new Array(12).fill(2)), path, /already exists/);
    expect((await readFile(path)).equals(before)).toBe(true);
    const leftovers = (await readdir(dir)).filter((f) => f.includes('pred.nii.gz'));
    expect(leftovers).toEqual([path.slice(dir.length + 1)]); // no .tmp-* left behind

    await writeNifti(path, header, new Array(12).fill(2), { overwrite: true });
    expectSameValues((await readNifti(path)).data, new Array(12).fill(2));
    expect((await readdir(dir)).filter((f) => f.includes('pred.nii.gz'))).toHaveLength(1);
  });
});
