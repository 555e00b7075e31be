/**
 * NIfTI voxel datatypes this engine reads and writes: the on-disk code, the byte width, the
 * typed array that holds them, and the range integer writes are clamped to.
 *
 * Codes are from nifti1.h (DT_UINT8 = 2 ... DT_UINT32 = 768). Complex, RGB, 64-bit integer and
 * float128 volumes are not MRI intensities or label maps and are rejected with their code named.
 */

export type NiftiDatatype = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

export type NiftiTypedArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

interface TypedArrayCtor {
  new (length: number): NiftiTypedArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NiftiTypedArray;
}

export interface DatatypeInfo {
  readonly code: number;
  readonly bytes: number; // bytes per voxel; bitpix = 8 * bytes
  readonly Array: TypedArrayCtor;
  readonly integer: boolean;
  readonly min: number; // clamp range for integer writes (±Infinity for floats)
  readonly max: number;
}

export const DATATYPES: Readonly<Record<NiftiDatatype, DatatypeInfo>> = {
  uint8: { code: 2, bytes: 1, Array: Uint8Array, integer: true, min: 0, max: 255 },
  int16: { code: 4, bytes: 2, Array: Int16Array, integer: true, min: -32768, max: 32767 },
  int32: { code: 8, bytes: 4, Array: Int32Array, integer: true, min: -2147483648, max: 2147483647 },
  float32: { code: 16, bytes: 4, Array: Float32Array, integer: false, min: -Infinity, max: Infinity },
  float64: { code: 64, bytes: 8, Array: Float64Array, integer: false, min: -Infinity, max: Infinity },
  int8: { code: 256, bytes: 1, Array: Int8Array, integer: true, min: -128, max: 127 },
  uint16: { code: 512, bytes: 2, Array: Uint16Array, integer: true, min: 0, max: 65535 },
  uint32: { code: 768, bytes: 4, Array: Uint32Array, integer: true, min: 0, max: 4294967295 },
};

/** Names of the codes we recognise but do not support, so the error can say what the file holds. */
const UNSUPPORTED_CODES: Readonly<Record<number, string>> = {
  0: 'unknown',
  1: 'binary (1-bit)',
  32: 'complex64',
  128: 'rgb24',
  1024: 'int64',
  1280: 'uint64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'rgba32',
};

export function datatypeFromCode(code: number): NiftiDatatype | undefined {
  for (const [name, info] of Object.entries(DATATYPES)) if (info.code === code) return name as NiftiDatatype;
  return undefined;
}

/** e.g. "unsupported datatype code 128 (rgb24); supported: uint8 (2), int16 (4), ...". */
export function unsupportedDatatypeMessage(code: number): string {
  const what = UNSUPPORTED_CODES[code] ?? 'not a NIfTI datatype';
  const supported = Object.entries(DATATYPES)
    .map(([name, info]) => `${name} (${info.code})`)
    .join(', ');
  return `unsupported datatype code ${code} (${what}); supported: ${supported}`;
}

export function isNiftiDatatype(s: unknown): s is NiftiDatatype {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DATATYPES, s);
}
