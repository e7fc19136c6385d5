import { describe, expect, it } from 'vitest';
import { InvalidLabelError, Registry, writePrometheusText } from '../../src/index.js';
import { apiRequestMetrics, classifyStatus, type ApiRequest } from '../../src/metrics/api-request.js';
import { ManualClock } from '../support/manual-clock.js';

const login: ApiRequest = {
  api: 'AUTHENTICATION',
  operationName: 'POST /oauth/token',
  operationResult: 'SUCCESS',
  tenant: 'acme',
  grantType: 'client_credentials',
  clientId: 'c1',
};

function setup() {
  const clock = new ManualClock();
  const registry = new Registry({ now: () => clock.now() });
  return { registry, api: apiRequestMetrics(registry) };
}

describe('apiRequestMetrics', () => {
  it('counts requests under auth0_api_request_count on the Prometheus paths, absent tags empty', async () => {
    const { registry, api } = setup();
    api.record(login);
    api.record(login);
    api.record({ api: 'MANAGEMENT', operationName: 'GET /api/v2/users/:id', operationResult: 'FAILURE', failureCode: 'RATE_LIMIT', tenant: 'acme', countryCode: 'FR' });
    const text = writePrometheusText(await registry.collect(), {});
    expect(text).toContain(
      'auth0_api_request_count{api="AUTHENTICATION",client_id="c1",connection_id="",country_code="",failure_code="",grant_type="client_credentials",operation_name="POST /oauth/token",operation_result="SUCCESS",tenant="acme",} 2.0',
    );
    expect(text).toContain('country_code="FR",failure_code="RATE_LIMIT"');
  });

  it.each([
    ['an unknown api', { api: 'OTHER' }, 'api'],
    ['a raw URL without method', { operationName: '/oauth/token' }, 'operation_name'],
    ['an unknown result', { operationResult: 'OK' }, 'operation_result'],
    ['a failure code on a success', { failureCode: 'RATE_LIMIT' }, 'failure_code'],
    ['an unknown failure code', { operationResult: 'FAILURE', failureCode: 'GLOBAL_RATE_LIMIT' }, 'failure_code'],
    ['a lower-case country', { countryCode: 'fr' }, 'country_code'],
    ['a client id on the Management API', { api: 'MANAGEMENT', grantType: undefined }, 'client_id'],
    ['an empty tenant', { tenant: '' }, 'tenant'],
    ['a control character', { connectionId: 'a\nb' }, 'connection_id'],
  ])('rejects %s and records nothing', async (_case, change, tag) => {
    const { registry, api } = setup();
    const error = (() => {
      try {
        api.record({ ...login, ...change } as ApiRequest);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidLabelError);
    expect((error as InvalidLabelError).label).toBe(tag);
    const collection = await registry.collect();
    expect(collection.families[0]?.series).toHaveLength(0);
  });

  it('checks an operation name even when the same string was accepted as another tag', () => {
    const { api } = setup();
    api.record({ ...login, tenant: 'oauth-token' });
    expect(() => api.record({ ...login, operationName: 'oauth-token' })).toThrow(InvalidLabelError);
  });

  it.each([
    [200, 'SUCCESS', undefined],
    [302, 'SUCCESS', undefined],
    [400, 'FAILURE', 'CLIENT_SERVER_ERROR'],
    [429, 'FAILURE', 'RATE_LIMIT'],
    [503, 'FAILURE', 'CLIENT_SERVER_ERROR'],
  ])('reads status %i as %s %s', (status, result, code) => {
    expect(classifyStatus(status)).toEqual({ operationResult: result, ...(code === undefined ? {} : { failureCode: code }) });
  });
});
