// A loopback OTLP/HTTP receiver for stream tests: decodes each body with protobufjs over the official
// .proto files (never the encoder's own tables) and keeps the points of Auth0's API request metric.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeOtlp } from './proto-decoders.js';

/** One decoded OTLP data point of `auth0_api_request_count` (OTLP's name of Auth0's metric): its operation, second and value. */
export interface ReceivedPoint {
  readonly operation: string;
  readonly timeUnixNano: string;
  readonly value: number;
}

interface OtlpPoint {
  attributes?: { key: string; value: { stringValue?: string } }[];
  timeUnixNano: string;
  asDouble?: number;
  asInt?: string;
}
interface OtlpRequest {
  resourceMetrics?: { scopeMetrics?: { metrics?: { name: string; sum?: { dataPoints?: OtlpPoint[] } }[] }[] }[];
}

/** A loopback OTLP/HTTP receiver decoding each body with protobufjs over the official .proto files. */
export class OtlpReceiver {
  readonly points: ReceivedPoint[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks);
      this.take(decodeOtlp(body) as OtlpRequest);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });

  async start(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Sum of the received values for one operation. */
  total(operation: string): number {
    return this.points.filter((p) => p.operation === operation).reduce((n, p) => n + p.value, 0);
  }

  private take(request: OtlpRequest): void {
    for (const metric of request.resourceMetrics?.flatMap((r) => r.scopeMetrics ?? []).flatMap((s) => s.metrics ?? []) ?? []) {
      if (metric.name !== 'auth0_api_request_count') continue;
      for (const point of metric.sum?.dataPoints ?? []) {
        const operation = point.attributes?.find((a) => a.key === 'operation_name')?.value.stringValue ?? '';
        this.points.push({ operation, timeUnixNano: point.timeUnixNano, value: point.asDouble ?? Number(point.asInt ?? 0) });
      }
    }
  }
}
