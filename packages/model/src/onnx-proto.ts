import protobuf from 'protobufjs';

/**
 * The subset of the ONNX schema (onnx/onnx.proto, IR version 8) that a TinyGPT graph uses, with
 * the field numbers of the specification. Messages and fields not listed here (sparse tensors,
 * functions, training info, external data) are skipped by decoders, as protobuf allows.
 */
export const ONNX_PROTO_SUBSET = `
syntax = "proto2";
package onnx;

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5;
    FLOATS = 6; INTS = 7; STRINGS = 8; TENSORS = 9; GRAPHS = 10;
  }
  optional string name = 1;
  optional string doc_string = 13;
  optional AttributeType type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  optional GraphProto g = 6;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  repeated TensorProto tensors = 10;
  repeated GraphProto graphs = 11;
}

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
}

message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}

message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}

message TensorProto {
  enum DataType {
    UNDEFINED = 0; FLOAT = 1; UINT8 = 2; INT8 = 3; UINT16 = 4; INT16 = 5; INT32 = 6; INT64 = 7;
    STRING = 8; BOOL = 9; FLOAT16 = 10; DOUBLE = 11; UINT32 = 12; UINT64 = 13;
  }
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6;
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional string doc_string = 12;
  optional bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
  repeated uint64 uint64_data = 11 [packed = true];
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
    optional string denotation = 3;
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
  optional string denotation = 6;
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
`;

/** `TensorProto.DataType` values used here. */
export const OnnxDataType = Object.freeze({ FLOAT: 1, INT64: 7, BOOL: 9 });

/** `AttributeProto.AttributeType` values used here. */
export const OnnxAttributeType = Object.freeze({ FLOAT: 1, INT: 2, INTS: 7 });

let root: protobuf.Root | undefined;

/** `onnx.ModelProto` from the schema subset (parsed once). */
export function onnxModelProto(): protobuf.Type {
  root ??= protobuf.parse(ONNX_PROTO_SUBSET, { keepCase: true }).root;
  return root.lookupType('onnx.ModelProto');
}

/**
 * Encodes a model given as a plain object with the snake_case fields of onnx.proto (e.g. a small
 * calibration graph). The result is a plain Uint8Array that owns its memory.
 */
export function encodeOnnxModel(model: Record<string, unknown>): Uint8Array {
  const type = onnxModelProto();
  const encoded = type.encode(type.fromObject(model)).finish();
  // protobufjs hands back a Node Buffer, possibly a view into a shared pool.
  const whole = encoded.byteOffset === 0 && encoded.byteLength === encoded.buffer.byteLength;
  return whole ? new Uint8Array(encoded.buffer, 0, encoded.byteLength) : new Uint8Array(encoded);
}

/** Decodes an ONNX file into plain objects (int64 as numbers, bytes as Uint8Array). */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModelJson {
  const type = onnxModelProto();
  return type.toObject(type.decode(bytes), {
    longs: Number,
    enums: Number,
    bytes: Uint8Array as unknown as StringConstructor,
    defaults: false,
    arrays: true,
    oneofs: false,
  }) as OnnxModelJson;
}

/** Plain-object view of the decoded fields (snake_case, as in onnx.proto). */
export interface OnnxModelJson {
  readonly ir_version?: number;
  readonly opset_import: readonly { readonly domain?: string; readonly version?: number }[];
  readonly producer_name?: string;
  readonly producer_version?: string;
  readonly metadata_props: readonly { readonly key?: string; readonly value?: string }[];
  readonly graph?: OnnxGraphJson;
}

export interface OnnxGraphJson {
  readonly name?: string;
  readonly node: readonly OnnxNodeJson[];
  readonly initializer: readonly OnnxTensorJson[];
  readonly input: readonly OnnxValueInfoJson[];
  readonly output: readonly OnnxValueInfoJson[];
}

export interface OnnxNodeJson {
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly name?: string;
  readonly op_type?: string;
  readonly domain?: string;
  readonly attribute: readonly {
    readonly name?: string;
    readonly type?: number;
    readonly f?: number;
    readonly i?: number;
    readonly ints: readonly number[];
  }[];
}

export interface OnnxTensorJson {
  readonly name?: string;
  readonly dims: readonly number[];
  readonly data_type?: number;
  readonly raw_data?: Uint8Array;
  readonly float_data: readonly number[];
  readonly int64_data: readonly number[];
}

export interface OnnxValueInfoJson {
  readonly name?: string;
  readonly type?: {
    readonly tensor_type?: {
      readonly elem_type?: number;
      readonly shape?: {
        readonly dim: readonly { readonly dim_value?: number; readonly dim_param?: string }[];
      };
    };
  };
}
