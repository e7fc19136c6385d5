import { describe, expect, it } from 'vitest';
import { decodeOtlpPartialSuccess } from '../../../src/exposition/otlp/otlp-response.js';
import { encodeOtlpResponse } from '../../support/proto-decoders.js';

const PROTOBUF = 'application/x-protobuf';
const json = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));

describe('decodeOtlpPartialSuccess', () => {
  it.each([
    ['2 points and a message', { rejectedDataPoints: 2, errorMessage: 'too old' }],
    // 300 is a two-byte varint (0xac 0x02): not valid UTF-8, so it only survives if the bytes are read as received.
    ['300 points, a two-byte varint', { rejectedDataPoints: 300, errorMessage: 'out of order' }],
    ['a 64-bit count past 2^32', { rejectedDataPoints: 5_000_000_000, errorMessage: '' }],
    ['a message and no rejected points (a warning)', { rejectedDataPoints: 0, errorMessage: 'label names normalized' }],
  ])('reads a protobuf answer reporting %s, as protobufjs writes it from the official .proto', (_name, partialSuccess) => {
    expect(decodeOtlpPartialSuccess(encodeOtlpResponse({ partialSuccess }), PROTOBUF)).toEqual(partialSuccess);
  });

  it.each([
    ['an empty body', new Uint8Array(), PROTOBUF],
    ['an empty response message', encodeOtlpResponse({}), PROTOBUF],
    ['a partial_success with nothing in it', encodeOtlpResponse({ partialSuccess: {} }), PROTOBUF],
    ['a JSON {}', json({}), 'application/json'],
    ['JSON without a Content-Type', json({}), undefined],
  ])('reports full success for %s', (_name, body, contentType) => {
    expect(decodeOtlpPartialSuccess(body, contentType)).toBeUndefined();
  });

  it('skips fields it does not know, as protobuf readers must', () => {
    const known = encodeOtlpResponse({ partialSuccess: { rejectedDataPoints: 7, errorMessage: 'x' } });
    const unknown = Uint8Array.of((9 << 3) | 0, 42, (10 << 3) | 2, 2, 0x68, 0x69); // field 9 = 42, field 10 = "hi"
    expect(decodeOtlpPartialSuccess(Buffer.concat([unknown, known, unknown]), PROTOBUF)).toEqual({ rejectedDataPoints: 7, errorMessage: 'x' });
  });

  it('reads the rejected points of a protobuf answer cut short inside a long error_message', () => {
    // The transport keeps the first 16 KiB of an answer (src/streams/http-transport.ts).
    const whole = encodeOtlpResponse({ partialSuccess: { rejectedDataPoints: 5, errorMessage: 'x'.repeat(20_000) } });
    const cut = whole.subarray(0, 16_384);
    const partial = decodeOtlpPartialSuccess(cut, PROTOBUF);
    expect(partial?.rejectedDataPoints).toBe(5);
    expect(partial?.errorMessage).toMatch(/^x+ \(cut\)$/);
  });

  it('reads the rejected points of a JSON answer cut short inside a long errorMessage', () => {
    const whole = json({ partialSuccess: { rejectedDataPoints: '5', errorMessage: 'x'.repeat(20_000) } });
    expect(decodeOtlpPartialSuccess(whole.subarray(0, 16_384), 'application/json')?.rejectedDataPoints).toBe(5);
  });

  it.each([
    ['lowerCamelCase, int64 as a string', { partialSuccess: { rejectedDataPoints: '2', errorMessage: 'too old' } }, 'application/json'],
    ['the proto field names, int64 as a number', { partial_success: { rejected_data_points: 2, error_message: 'too old' } }, 'application/json; charset=utf-8'],
    ['no Content-Type', { partialSuccess: { rejectedDataPoints: 2, errorMessage: 'too old' } }, undefined],
  ])('reads a JSON answer with %s', (_name, answer, contentType) => {
    expect(decodeOtlpPartialSuccess(json(answer), contentType)).toEqual({ rejectedDataPoints: 2, errorMessage: 'too old' });
  });

  it.each([
    [
      'truncated protobuf',
      encodeOtlpResponse({ partialSuccess: { rejectedDataPoints: 2, errorMessage: 'too old' } }).slice(0, 5),
      PROTOBUF,
      /protobuf answer of 5 bytes/,
    ],
    ['an HTML page sent with a 200', Buffer.from('<html>oops</html>'), 'text/html; charset=utf-8', /^a text\/html answer of 17 bytes, not an OTLP/],
    ['bytes that are not protobuf', Buffer.from([0xff, 0xff, 0xff]), PROTOBUF, /protobuf answer of 3 bytes/],
    ['broken JSON', Buffer.from('{"partialSuccess":'), 'application/json', /JSON answer of 18 bytes/],
    ['a negative count', json({ partialSuccess: { rejectedDataPoints: '-1' } }), 'application/json', /rejected_data_points is -1/],
  ])('throws naming the answer for %s', (_name, body, contentType, message) => {
    expect(() => decodeOtlpPartialSuccess(body, contentType)).toThrow(message);
  });
});
