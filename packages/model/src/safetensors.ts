import { O1labError } from '@o1lab/core';

/**
 * One tensor of a safetensors file. Only F32 is written; F32 is also the only dtype read, since
 * every TinyGPT weight and optimizer moment is float32.
 */
export interface SafetensorsTensor {
  readonly dtype: 'F32';
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Contents of a safetensors file. */
export interface SafetensorsContents {
  readonly tensors: ReadonlyMap<string, SafetensorsTensor>;
  /** The `__metadata__` string map. */
  readonly metadata: Readonly<Record<string, string>>;
}

// A header larger than this is not a TinyGPT checkpoint (the reference implementation caps at 100 MB).
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/**
 * Serialises tensors in the safetensors format (huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__}`
 * padded with spaces to a multiple of 8, then the raw little-endian data, offsets relative to its
 * start. Tensors are laid out in the order given.
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== size) {
      throw new O1labError(
        'INVALID_INPUT',
        `tensor '${name}' has ${t.data.length} values for shape [${t.shape.join(', ')}]`,
        { where: 'encodeSafetensors' },
      );
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + 4 * size] };
    offset += 4 * size;
  }
  let json = JSON.stringify(header);
  const jsonBytes = new TextEncoder().encode(json).length;
  json += ' '.repeat((8 - ((8 + jsonBytes) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let p = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    for (let i = 0; i < t.data.length; i++, p += 4) view.setFloat32(p, t.data[i]!, true);
  }
  return out;
}

/**
 * Parses a safetensors file, checking everything the format promises: the header length fits the
 * file, the header is a JSON object, every entry has a known dtype, an integer shape and offsets
 * that match the shape and tile the data section exactly. Anything else is a `CORRUPT_FILE` error
 * naming `file` and what is wrong.
 */
export function decodeSafetensors(bytes: Uint8Array, file: string): SafetensorsContents {
  const corrupt = (what: string) =>
    new O1labError('CORRUPT_FILE', what, {
      where: file,
      hint: 'the file is truncated or damaged; restore it',
    });
  if (bytes.length < 8) throw corrupt(`${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) {
    throw corrupt(`header length ${headerLength} exceeds the ${bytes.length - 8} bytes after it`);
  }
  const n = Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (error) {
    throw corrupt(`header is not UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw corrupt('header is not a JSON object');
  }
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const entries: { name: string; shape: number[]; begin: number; end: number }[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (
        typeof value !== 'object' ||
        value === null ||
        Object.values(value).some((v) => typeof v !== 'string')
      ) {
        throw corrupt('__metadata__ is not a map of strings');
      }
      metadata = value as Record<string, string>;
      continue;
    }
    const e = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) throw corrupt(`entry '${name}' is not an object`);
    if (e.dtype !== 'F32')
      throw corrupt(`tensor '${name}' has dtype ${JSON.stringify(e.dtype)}, expected "F32"`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw corrupt(`tensor '${name}' has shape ${JSON.stringify(e.shape)}, not a list of sizes`);
    }
    const offsets = e.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
    ) {
      throw corrupt(`tensor '${name}' has data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const size = (e.shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== 4 * size) {
      throw corrupt(
        `tensor '${name}' spans ${end - begin} bytes, its shape [${e.shape.join(', ')}] needs ${4 * size}`,
      );
    }
    if (end > dataLength) {
      throw corrupt(`tensor '${name}' ends at byte ${end} of a ${dataLength}-byte data section (truncated?)`);
    }
    entries.push({ name, shape: e.shape as number[], begin, end });
  }
  // The format requires the tensors to tile the data section without gaps or overlaps.
  entries.sort((a, b) => a.begin - b.begin);
  let expected = 0;
  for (const e of entries) {
    if (e.begin !== expected)
      throw corrupt(`tensor '${e.name}' starts at byte ${e.begin}, expected ${expected}`);
    expected = e.end;
  }
  if (expected !== dataLength) {
    throw corrupt(`data section has ${dataLength} bytes, the tensors account for ${expected}`);
  }
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const data = new Float32Array((e.end - e.begin) / 4);
    for (let i = 0, p = dataStart + e.begin; i < data.length; i++, p += 4) data[i] = view.getFloat32(p, true);
    tensors.set(e.name, { dtype: 'F32', shape: e.shape, data });
  }
  return { tensors, metadata };
}
