// The OAuth 2.0 dashboard: grants, tokens issued and revoked, and tokens read as JWTs.
import { METRICS } from '../../../src/metrics/catalog.js';
import type { DashboardSpec, PanelSpec } from '../grafana.js';
import type { Scope } from '../promql.js';
import { dashboardScope, labelVariable, meanPanel, quantilePanel, ratePanel, sourceVariables } from '../panels.js';

/** Grants per second by grant type. */
export function grantsPanel(scope: Scope): PanelSpec {
  const description = 'OAuth 2.0 grants completed per second, by grant type (authorization code, client credentials, refresh, …).';
  return ratePanel({ title: 'Grants by type', description }, METRICS.oauth2Grants, scope, ['grant_type']);
}

/** Tokens issued per second by token type. */
export function tokensIssuedPanel(scope: Scope): PanelSpec {
  const description = 'OAuth 2.0 and OpenID Connect tokens issued per second, by token type (access, refresh and ID tokens, authorization codes, …).';
  return ratePanel({ title: 'Tokens issued by type', description }, METRICS.oauth2TokensIssued, scope, ['token_type']);
}

/** The OAuth 2.0 dashboard. */
export function oauth2Dashboard(): DashboardSpec {
  const scope = dashboardScope(['grant_type']);
  return {
    uid: 'am-oauth2',
    title: 'AM / OAuth2',
    description: 'ForgeRock AM and PingOne AIC OAuth 2.0: grants, tokens issued and revoked by type, and tokens read as JWTs.',
    tags: ['oauth2'],
    variables: [
      ...sourceVariables(METRICS.oauth2Grants),
      labelVariable(METRICS.oauth2Grants, 'grant_type', 'Grant type', 'OAuth 2.0 grant types to show. AM records every grant revocation with grant type "unknown".'),
    ],
    sections: [
      {
        title: 'Grants and tokens',
        panels: [
          grantsPanel(scope),
          tokensIssuedPanel(scope),
          ratePanel({ title: 'Tokens revoked by type', description: 'OAuth 2.0 tokens revoked per second, by token type.' }, METRICS.oauth2TokensRevoked, scope, [
            'token_type',
          ]),
          ratePanel(
            {
              title: 'Grants revoked',
              description: 'OAuth 2.0 grants revoked per second. AM records every revocation with grant type "unknown", so pick All grant types to see them.',
            },
            METRICS.oauth2GrantRevocations,
            scope,
            ['grant_type'],
          ),
        ],
      },
      {
        title: 'Tokens read as JWT',
        panels: [
          ratePanel(
            { title: 'Tokens read as JWT by outcome', description: 'OAuth 2.0 tokens parsed and verified as JSON Web Tokens per second, by outcome.' },
            METRICS.oauth2TokenReadsAsJwt,
            scope,
            ['outcome'],
          ),
          quantilePanel(
            {
              title: 'JWT read latency by pod',
              description: 'p50, p95 and p99 time to read a token as a JWT, on each pod. Per-pod quantiles over roughly the last five minutes.',
            },
            METRICS.oauth2TokenReadsAsJwt,
            scope,
          ),
          {
            ...meanPanel(
              { title: 'Mean JWT read latency', description: 'Average time to read one token as a JWT, across the selected servers.' },
              METRICS.oauth2TokenReadsAsJwt,
              scope,
              [],
            ),
            width: 24,
          },
        ],
      },
    ],
  };
}
