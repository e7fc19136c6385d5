// Independent decoders for the push encoders' bodies: protobufjs reflection over the official .proto
// files in test/fixtures/proto (never the encoders' own field tables), and `protoc --decode`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { fixturePath } from './fixtures.js';
import type { ToolResult } from './prometheus-tools.js';

const OTLP_ROOT = fixturePath('proto/otlp/');
const OTLP_SERVICE = 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto';
const OTLP_REQUEST = 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest';

/** How decoded messages are turned into plain objects: 64-bit integers as strings, enums as numbers. */
const AS_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, defaults: false };

let otlpRoot: protobuf.Root | undefined;
let writeRequest: protobuf.Type | undefined;

function otlpType(name: string): protobuf.Type {
  if (otlpRoot === undefined) {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => (target.startsWith('/') ? target : OTLP_ROOT + target);
    otlpRoot = root.loadSync(OTLP_SERVICE);
  }
  return otlpRoot.lookupType(name);
}

/** Decodes an ExportMetricsServiceRequest into a plain object with lowerCamelCase keys. */
export function decodeOtlp(body: Uint8Array): Record<string, unknown> {
  const otlp = otlpType(OTLP_REQUEST);
  return otlp.toObject(otlp.decode(body), AS_OBJECT);
}

/**
 * Reads an ExportMetricsServiceRequest in the OTLP JSON encoding through protobufjs' JSON mapping
 * (`fromObject`, which refuses what does not fit the official message), into the same plain object
 * as `decodeOtlp`.
 */
export function decodeOtlpJson(text: string): Record<string, unknown> {
  const otlp = otlpType(OTLP_REQUEST);
  const message = otlp.fromObject(JSON.parse(text) as Record<string, unknown>);
  const problem = otlp.verify(message);
  if (problem !== null) throw new Error(`not an ExportMetricsServiceRequest: ${problem}`);
  return otlp.toObject(message, AS_OBJECT);
}

/**
 * An ExportMetricsServiceResponse as an OTLP receiver answers it, encoded by protobufjs from the
 * official .proto: `{ partialSuccess: { rejectedDataPoints, errorMessage } }` or `{}` for full success.
 */
export function encodeOtlpResponse(response: { partialSuccess?: { rejectedDataPoints?: number; errorMessage?: string } }): Uint8Array {
  const type = otlpType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse');
  return type.encode(type.fromObject(response)).finish();
}

/**
 * Decodes a remote-write 1.0 WriteRequest (already decompressed). Prometheus' prompb files import
 * gogoproto for Go code generation only; the import lines are dropped before parsing.
 */
export function decodeWriteRequest(body: Uint8Array): Record<string, unknown> {
  if (writeRequest === undefined) {
    const root = new protobuf.Root();
    for (const file of ['types.proto', 'remote.proto']) {
      const text = readFileSync(fixturePath(`proto/prometheus/prompb/${file}`), 'utf8').replace(/^import .*;$/gm, '');
      protobuf.parse(text, root, { keepCase: true });
    }
    writeRequest = root.lookupType('prometheus.WriteRequest');
  }
  return writeRequest.toObject(writeRequest.decode(body), AS_OBJECT);
}

/** `protoc --decode` of an ExportMetricsServiceRequest: the text format, or the tool's error. */
export function protocDecodeOtlp(body: Uint8Array): Promise<ToolResult> {
  return runBinary('protoc', ['-I', OTLP_ROOT, '--decode', OTLP_REQUEST, OTLP_SERVICE], body);
}

/** Runs `command` with binary `input` on stdin; resolves with its exit code and text output. */
function runBinary(command: string, args: readonly string[], input: Uint8Array): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(input);
  });
}
