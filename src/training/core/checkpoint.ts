/**
 * Checkpoints as safetensors files (https://huggingface.co/docs/safetensors), so weights and
 * optimiser state saved here open in Python (`safetensors.numpy.load_file`), Rust or any other
 * tool, and tfjs's lack of optimiser serialisation (PRODUCT.md D, tfjs#5138) stops mattering.
 *
 * Layout: u64 little-endian N | N bytes of UTF-8 JSON header, space-padded to a multiple of 8
 * | raw little-endian tensor bytes. The header maps each name to
 * {dtype: 'F32'|'I32'|'U8'|'BOOL', shape, data_offsets: [begin, end)} (offsets relative to the
 * byte buffer) plus an optional "__metadata__": {string: string}. Our metadata values are
 * JSON-encoded (so numbers, arrays and objects round-trip); values from other tools that are
 * not JSON come back as the raw string.
 *
 * Tensors are written 4-byte dtypes first, so every F32/I32 block starts 4-byte aligned
 * (8 + N is a multiple of 8) and zero-copy readers can map them.
 */
import * as fsp from 'node:fs/promises';
import { endianness } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../runs/atomic';

export type SafetensorsDtype = 'F32' | 'I32' | 'U8' | 'BOOL';
export type CheckpointArray = Float32Array | Int32Array | Uint8Array;

/** A tensor given as plain data: float32 for Float32Array, int32 for Int32Array, U8 for Uint8Array. */
export interface CheckpointTensor {
  data: CheckpointArray;
  shape: readonly number[];
  /** Only to store a Uint8Array as 'BOOL' instead of 'U8'. */
  dtype?: SafetensorsDtype;
}

export interface LoadedTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: CheckpointArray;
}

export interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, I32: 4, U8: 1, BOOL: 1 };
/** The reference implementation rejects headers above 100 MB; so do we (a bad N is usually garbage). */
const MAX_HEADER_BYTES = 100_000_000;

if (endianness() !== 'LE') {
  // Typed arrays use the host byte order; safetensors is little-endian. Every platform
  // Frugal Studio ships on is LE; fail loudly rather than write byte-swapped weights.
  throw new Error('checkpoint.ts: big-endian hosts are not supported (safetensors is little-endian)');
}

function isTensor(v: unknown): v is tf.Tensor {
  return v instanceof tf.Tensor || (typeof v === 'object' && v !== null && 'dataId' in v && typeof (v as tf.Tensor).data === 'function');
}

async function toPlain(name: string, v: tf.Tensor | CheckpointTensor, path: string): Promise<{ dtype: SafetensorsDtype; shape: number[]; bytes: Uint8Array }> {
  let data: CheckpointArray;
  let shape: number[];
  let dtype: SafetensorsDtype;
  if (isTensor(v)) {
    if (v.isDisposed) throw new Error(`saveCheckpoint ${path}: tensor ${JSON.stringify(name)} is disposed`);
    shape = v.shape.slice();
    if (v.dtype === 'float32') dtype = 'F32';
    else if (v.dtype === 'int32') dtype = 'I32';
    else if (v.dtype === 'bool') dtype = 'BOOL';
    else throw new Error(`saveCheckpoint ${path}: tensor ${JSON.stringify(name)} has dtype ${v.dtype}; only float32, int32 and bool are stored`);
    data = (await v.data()) as CheckpointArray; // async read: no dataSync stall on GPU backends
    if (dtype === 'BOOL' && !(data instanceof Uint8Array)) data = Uint8Array.from(data as ArrayLike<number>);
  } else {
    data = v.data;
    shape = [...v.shape];
    if (data instanceof Float32Array) dtype = 'F32';
    else if (data instanceof Int32Array) dtype = 'I32';
    else if (data instanceof Uint8Array) dtype = v.dtype === 'BOOL' ? 'BOOL' : 'U8';
    else throw new Error(`saveCheckpoint ${path}: tensor ${JSON.stringify(name)}: data must be a Float32Array, Int32Array or Uint8Array`);
    if (v.dtype && v.dtype !== dtype) throw new Error(`saveCheckpoint ${path}: tensor ${JSON.stringify(name)}: dtype ${v.dtype} does not match its ${data.constructor.name}`);
  }
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`saveCheckpoint ${path}: tensor ${JSON.stringify(name)} has invalid shape [${shape}]`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new Error(`saveCheckpoint ${path}: tensor ${JSON.stringify(name)} has shape [${shape}] (${size} elements) but ${data.length} values`);
  return { dtype, shape, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/**
 * Write tensors and metadata as a safetensors file, atomically; refuses to overwrite an existing
 * file (checkpoints are history: write a new name, e.g. `step-000100.safetensors`).
 */
export async function saveCheckpoint(
  path: string,
  tensors: Map<string, tf.Tensor | CheckpointTensor> | Record<string, tf.Tensor | CheckpointTensor>,
  metadata: Record<string, unknown> = {},
): Promise<void> {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const plain: { name: string; dtype: SafetensorsDtype; shape: number[]; bytes: Uint8Array }[] = [];
  for (const [name, v] of entries) {
    if (!name || name === '__metadata__') throw new Error(`saveCheckpoint ${path}: invalid tensor name ${JSON.stringify(name)}`);
    plain.push({ name, ...(await toPlain(name, v, path)) });
  }
  // 4-byte dtypes first (stable sort keeps the caller's order within a width): keeps them aligned.
  plain.sort((a, b) => BYTES[b.dtype] - BYTES[a.dtype]);

  const header: Record<string, unknown> = {};
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) {
    const s = JSON.stringify(v);
    if (s !== undefined) meta[k] = s; // undefined/functions are dropped, like JSON.stringify does
  }
  if (Object.keys(meta).length > 0) header.__metadata__ = meta;
  let offset = 0;
  for (const t of plain) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  const head = Buffer.alloc(8 + padded, 0x20); // pad with spaces, as the format asks
  head.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(head, 8);
  await writeFileAtomic(path, [head, ...plain.map((t) => t.bytes)]);
}

/** Parse and validate the header of a safetensors buffer; errors name the file. */
export function parseSafetensorsHeader(buf: Uint8Array, path: string): { entries: Map<string, HeaderEntry>; metadata: Record<string, string>; dataStart: number } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 8) throw new Error(`checkpoint ${path}: truncated (${b.length} bytes; a safetensors file starts with an 8-byte header length)`);
  const n64 = b.readBigUInt64LE(0);
  if (n64 > BigInt(MAX_HEADER_BYTES)) throw new Error(`checkpoint ${path}: header length ${n64} is implausible (> ${MAX_HEADER_BYTES}); not a safetensors file?`);
  const n = Number(n64);
  if (8 + n > b.length) throw new Error(`checkpoint ${path}: truncated: header needs ${8 + n} bytes, file has ${b.length}`);
  const text = b.toString('utf8', 8, 8 + n);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new Error(`checkpoint ${path}: header is not valid JSON (${(e as Error).message}); not a safetensors file?`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new Error(`checkpoint ${path}: header must be a JSON object`);
  const dataLen = b.length - 8 - n;
  const entries = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!raw || typeof raw !== 'object' || Object.values(raw).some((v) => typeof v !== 'string')) {
        throw new Error(`checkpoint ${path}: __metadata__ must map strings to strings`);
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    const e = raw as Partial<HeaderEntry> | null;
    const where = `checkpoint ${path}: tensor ${JSON.stringify(name)}`;
    if (!e || typeof e.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets) || e.data_offsets.length !== 2) {
      throw new Error(`${where}: expected {dtype, shape, data_offsets: [begin, end]}, got ${JSON.stringify(raw)}`);
    }
    if (!(e.dtype in BYTES)) throw new Error(`${where}: dtype ${e.dtype} is not supported (F32, I32, U8, BOOL)`);
    if (!e.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`${where}: invalid shape ${JSON.stringify(e.shape)}`);
    const [begin, end] = e.data_offsets;
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end < begin) throw new Error(`${where}: invalid data_offsets ${JSON.stringify(e.data_offsets)}`);
    const want = e.shape.reduce((a, d) => a * d, 1) * BYTES[e.dtype as SafetensorsDtype];
    if (end - begin !== want) throw new Error(`${where}: data_offsets span ${end - begin} bytes but ${e.dtype}[${e.shape}] needs ${want}`);
    if (end > dataLen) throw new Error(`${where}: truncated: needs bytes up to ${8 + n + end}, file has ${b.length}`);
    entries.set(name, { dtype: e.dtype, shape: e.shape, data_offsets: [begin, end] });
  }
  return { entries, metadata, dataStart: 8 + n };
}

/** Read a safetensors file: tensors as typed arrays (copies, aligned), metadata JSON-decoded. */
export async function loadCheckpoint(path: string): Promise<{ tensors: Map<string, LoadedTensor>; metadata: Record<string, unknown> }> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(path);
  } catch (e) {
    throw new Error(`checkpoint ${path}: cannot read: ${(e as Error).message}`);
  }
  const { entries, metadata: rawMeta, dataStart } = parseSafetensorsHeader(buf, path);
  const tensors = new Map<string, LoadedTensor>();
  for (const [name, e] of entries) {
    const start = buf.byteOffset + dataStart + e.data_offsets[0];
    const bytes = buf.buffer.slice(start, start + e.data_offsets[1] - e.data_offsets[0]); // copy: aligned, owns its memory
    const dtype = e.dtype as SafetensorsDtype;
    const data = dtype === 'F32' ? new Float32Array(bytes) : dtype === 'I32' ? new Int32Array(bytes) : new Uint8Array(bytes);
    tensors.set(name, { dtype, shape: e.shape, data });
  }
  const metadata: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rawMeta)) {
    try {
      metadata[k] = JSON.parse(v);
    } catch {
      metadata[k] = v; // written by another tool as a plain string
    }
  }
  return { tensors, metadata };
}

/** Make a tf.Tensor from a loaded entry (the caller owns it). BOOL → bool, U8 → int32. */
export function toTensor(t: LoadedTensor): tf.Tensor {
  if (t.dtype === 'F32') return tf.tensor(t.data as Float32Array, t.shape, 'float32');
  if (t.dtype === 'BOOL') return tf.tensor(t.data as Uint8Array, t.shape, 'bool');
  return tf.tensor(t.dtype === 'I32' ? (t.data as Int32Array) : Int32Array.from(t.data), t.shape, 'int32');
}
