// Simulated Auth0-style API traffic for `auth0.api_request.count`: token requests on the
// Authentication API and a few Management API operations, with rate limits and errors.
import type { MetricRegistry } from '../registry/registry.js';
import { apiRequestMetrics, type ApiRequest, type ApiRequestMetrics } from '../metrics/api-request.js';
import type { Conditions } from './conditions.js';
import { SeededRandom, type Weighted } from './random.js';
import type { SimulatedPart } from './context.js';

/** API requests per login journey at load 1. */
const REQUESTS_PER_LOGIN = 2;
/** Mixed into the simulator's seed, so this part draws apart and leaves the AM families' traffic as it was. */
const SEED_SALT = 0x0a11_7e57;

type Operation = Pick<ApiRequest, 'api' | 'operationName'> & { readonly grantTypes?: Weighted<string> };

const OPERATIONS: Weighted<Operation> = [
  [
    {
      api: 'AUTHENTICATION',
      operationName: 'POST /oauth/token',
      grantTypes: [
        ['client_credentials', 5],
        ['authorization_code', 3],
        ['refresh_token', 2],
      ],
    },
    10,
  ],
  [{ api: 'AUTHENTICATION', operationName: 'GET /authorize' }, 4],
  [{ api: 'AUTHENTICATION', operationName: 'GET /userinfo' }, 3],
  [{ api: 'MANAGEMENT', operationName: 'GET /api/v2/users/:id' }, 2],
  [{ api: 'MANAGEMENT', operationName: 'PATCH /api/v2/users/:id' }, 1],
  [{ api: 'MANAGEMENT', operationName: 'GET /api/v2/clients' }, 1],
];
const CLIENTS: Weighted<string> = [
  ['web-app', 6],
  ['mobile-app', 3],
  ['batch-job', 1],
];
const COUNTRIES: Weighted<string> = [
  ['US', 5],
  ['DE', 2],
  ['FR', 2],
  ['JP', 1],
];

/** Auth0 API requests in proportion to the simulated logins, failing more during incidents. */
export class SimulatedApiRequests implements SimulatedPart {
  private readonly recorder: ApiRequestMetrics;
  private readonly random: SeededRandom;

  constructor(
    registry: MetricRegistry,
    seed: number,
    private readonly conditions: Conditions,
    private readonly rate: number,
  ) {
    this.recorder = apiRequestMetrics(registry);
    this.random = new SeededRandom((seed ^ SEED_SALT) >>> 0);
  }

  warmUp(): void {
    this.recorder.record({
      api: 'AUTHENTICATION',
      operationName: 'POST /oauth/token',
      operationResult: 'SUCCESS',
      tenant: 'simulated',
      grantType: 'client_credentials',
      clientId: 'web-app',
    });
  }

  step(seconds: number): void {
    const count = this.random.poisson(REQUESTS_PER_LOGIN * this.rate * this.conditions.load * seconds);
    for (let i = 0; i < count; i += 1) this.recorder.record(this.request());
  }

  private request(): ApiRequest {
    const operation = this.random.pick(OPERATIONS);
    const draw = this.random.float();
    const failure = draw < 0.01 * this.conditions.failure ? 'RATE_LIMIT' : draw < 0.04 * this.conditions.failure ? 'CLIENT_SERVER_ERROR' : undefined;
    const isAuthentication = operation.api === 'AUTHENTICATION';
    return {
      api: operation.api,
      operationName: operation.operationName,
      operationResult: failure === undefined ? 'SUCCESS' : 'FAILURE',
      failureCode: failure,
      tenant: 'simulated',
      countryCode: this.random.pick(COUNTRIES),
      ...(isAuthentication ? { clientId: this.random.pick(CLIENTS) } : {}),
      ...(operation.grantTypes === undefined ? {} : { grantType: this.random.pick(operation.grantTypes) }),
    };
  }
}
