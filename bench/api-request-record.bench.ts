// Recording an Auth0 API request (checked tags, into the registry the streams read) against
// @opentelemetry/sdk-metrics Counter.add with the same attributes, same seeded requests.
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Registry } from '../src/index.js';
import { apiRequestLabels, apiRequestMetrics, type ApiRequest } from '../src/metrics/api-request.js';
import { BATCH, compareSpeed, seededRandom } from './support.js';

/** 6 operations × 2 results × 3 clients × 4 countries. */
function requests(): ApiRequest[] {
  const all: ApiRequest[] = [];
  for (const operationName of ['POST /oauth/token', 'GET /authorize', 'GET /userinfo', 'POST /passwordless/start', 'POST /oauth/revoke', 'GET /v2/logout']) {
    for (const failureCode of [undefined, 'RATE_LIMIT'] as const) {
      for (const clientId of ['web-app', 'mobile-app', 'batch-job']) {
        for (const countryCode of ['US', 'DE', 'FR', 'JP']) {
          all.push({
            api: 'AUTHENTICATION',
            operationName,
            operationResult: failureCode === undefined ? 'SUCCESS' : 'FAILURE',
            failureCode,
            tenant: 'acme',
            clientId,
            countryCode,
            grantType: 'client_credentials',
          });
        }
      }
    }
  }
  return all;
}

const REQUESTS = requests();
const random = seededRandom(7);
const order = Array.from({ length: BATCH }, () => REQUESTS[Math.floor(random() * REQUESTS.length)]!);
/** OTel gets the same attributes, without the empty optional tags. */
const attributes = order.map((request) => Object.fromEntries(Object.entries(apiRequestLabels(request)).filter(([, v]) => v !== '')));

const ours = apiRequestMetrics(new Registry());
/** A reader that is never read: without one the SDK keeps no storage and `add` records nothing. */
class IdleReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
const counter = new MeterProvider({ readers: [new IdleReader()] }).getMeter('bench').createCounter('auth0.api_request.count');

await compareSpeed({
  title: 'api_request record (checked tags), 7 tags',
  ours: () => {
    for (let i = 0; i < BATCH; i += 1) ours.record(order[i]!);
  },
  theirs: () => {
    for (let i = 0; i < BATCH; i += 1) counter.add(1, attributes[i]);
  },
  theirName: '@opentelemetry/sdk-metrics Counter.add',
  goal: 5,
});
