/**
 * Dev-only: synthetic BraTS-like NIfTI-1 files in memory for the fake API (four modalities with a
 * bright tumour, and a label map 1/2/4), so the Viewer can be checked without an engine.
 */

function niftiBytes(dims: [number, number, number], pixdim: [number, number, number], data: Float32Array | Uint8Array): Uint8Array {
  const header = new ArrayBuffer(352);
  const v = new DataView(header);
  v.setInt32(0, 348, true);
  const dim = [3, ...dims, 1, 1, 1, 1];
  dim.forEach((d, i) => v.setInt16(40 + 2 * i, d, true));
  const float = data instanceof Float32Array;
  v.setInt16(70, float ? 16 : 2, true); // datatype: FLOAT32 or UINT8
  v.setInt16(72, float ? 32 : 8, true); // bitpix
  const pd = [1, ...pixdim, 1, 1, 1, 1];
  pd.forEach((p, i) => v.setFloat32(76 + 4 * i, p, true));
  v.setFloat32(108, 352, true); // vox_offset
  v.setFloat32(112, 1, true); // scl_slope
  v.setUint8(123, 2); // xyzt_units: mm
  v.setInt16(254, 1, true); // sform_code: scanner
  v.setFloat32(280, pixdim[0], true);
  v.setFloat32(300, pixdim[1], true);
  v.setFloat32(320, pixdim[2], true);
  [0x6e, 0x2b, 0x31, 0].forEach((c, i) => v.setUint8(344 + i, c)); // "n+1\0"
  const out = new Uint8Array(352 + data.byteLength);
  out.set(new Uint8Array(header), 0);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 352);
  return out;
}

const CONTRAST: Record<string, [number, number, number]> = {
  // [brain, oedema, core] intensities per modality
  t1: [0.6, 0.5, 0.3],
  t1ce: [0.55, 0.5, 1.0],
  t2: [0.4, 0.9, 0.7],
  flair: [0.45, 1.0, 0.6],
};

/** A volume of the given kind (t1 … flair, seg, pred) for a case seed. */
export function syntheticVolume(kind: string, n: number, seed: number): Uint8Array {
  const count = n * n * n;
  const c = n / 2;
  const tx = c + ((seed * 7) % 9) - 4;
  const ty = c + ((seed * 5) % 7) - 3;
  const tz = c + ((seed * 3) % 5) - 2;
  const isLabel = kind === 'seg' || kind === 'pred';
  const data = isLabel ? new Uint8Array(count) : new Float32Array(count);
  const [brain, edema, core] = CONTRAST[kind] ?? [0.5, 0.5, 0.5];
  let rnd = seed * 9301 + 49297;
  for (let z = 0; z < n; z++)
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        const i = x + n * (y + n * z);
        const rb = Math.hypot((x - c) / (0.42 * n), (y - c) / (0.36 * n), (z - c) / (0.4 * n));
        const rt = Math.hypot(x - tx, y - ty, z - tz) / n;
        const wobble = kind === 'pred' ? 0.01 * Math.sin(x * 0.7) : 0;
        const label = rb > 1 ? 0 : rt < 0.05 + wobble ? 4 : rt < 0.09 + wobble ? 1 : rt < 0.17 + wobble ? 2 : 0;
        if (isLabel) data[i] = label;
        else {
          rnd = (rnd * 9301 + 49297) % 233280;
          const noise = (rnd / 233280 - 0.5) * 0.08;
          data[i] = rb > 1 ? 0 : (label === 4 || label === 1 ? core : label === 2 ? edema : brain * (1 - 0.3 * rb)) + noise;
        }
      }
  return niftiBytes([n, n, n], [1, 1, 1], data);
}
