// Decodes Prometheus' delimited protobuf exposition with `protoc --decode_raw` (Debian package
// protobuf-compiler): an independent decoder that knows no schema and prints field numbers.
import { run } from './prometheus-tools.js';

/** The messages of a varint-length-delimited stream. */
export function splitDelimited(bytes: Uint8Array): Uint8Array[] {
  const messages: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    let length = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = bytes[at++] as number;
      length += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    messages.push(bytes.subarray(at, at + length));
    at += length;
  }
  return messages;
}

/** `protoc --decode_raw` of every message of a delimited stream, joined with `---` lines. */
export async function decodeRawDelimited(bytes: Uint8Array): Promise<string> {
  const texts: string[] = [];
  for (const message of splitDelimited(bytes)) {
    const result = await run('protoc', ['--decode_raw'], message);
    if (result.code !== 0) throw new Error(`protoc --decode_raw failed: ${result.stderr}`);
    texts.push(result.stdout);
  }
  return texts.join('---\n');
}
