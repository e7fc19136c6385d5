// The simulated OAuth 2.0 provider: grants by type and the tokens each issues, revocations (which
// denylist the token), and resource servers reading tokens as JWTs (which checks the denylist).
import type { CtsTokenType, GrantType, OAuth2TokenType } from '../index.js';
import type { SimulatedPart, SimulationContext } from './context.js';
import type { SimulatedCts } from './cts.js';
import type { SimulatedDenylist } from './denylist.js';
import type { Weighted } from './random.js';

const GRANTS_PER_LOGIN = 1.5;
const REVOCATIONS_PER_LOGIN = 0.05;
const JWT_READS_PER_LOGIN = 2;
const JWT_READ_MEDIAN_SECONDS = 0.0004;
const BASE_JWT_FAILURE = 0.01;
/** Share of tokens issued stateless (client-based): stored as a grant set, checked against the denylist. */
const STATELESS_SHARE = 0.3;

const GRANTS: Weighted<GrantType> = [
  ['authorization-code', 35],
  ['refresh', 30],
  ['client-credentials', 25],
  ['jwt-bearer', 2],
  ['device-code', 2],
  ['token-exchange', 2],
  ['resource-owner-password', 1.5],
  ['implicit', 1],
  ['back-channel', 0.5],
  ['saml2', 0.5],
  ['uma2', 0.5],
];

/** What each grant issues: always an access token, sometimes more (with the probability given). */
const EXTRA_TOKENS: Partial<Record<GrantType, ReadonlyArray<readonly [OAuth2TokenType, number]>>> = {
  'authorization-code': [
    ['authorization-code', 1],
    ['refresh-token', 0.8],
    ['id-token', 0.6],
    ['ops', 0.3],
  ],
  refresh: [['refresh-token', 0.5]],
  'device-code': [
    ['device-code', 1],
    ['refresh-token', 0.5],
  ],
  'resource-owner-password': [['refresh-token', 0.8]],
  implicit: [['id-token', 0.7]],
  'back-channel': [['id-token', 1]],
  uma2: [['permission-ticket', 1]],
};
const GRANT_STATE: Partial<Record<GrantType, CtsTokenType>> = {
  'back-channel': 'back-channel-authentication-state',
  uma2: 'uma-requesting-party',
};

/** Simulated OAuth 2.0 provider. */
export class SimulatedOAuth2 implements SimulatedPart {
  constructor(
    private readonly context: SimulationContext,
    private readonly cts: SimulatedCts,
    private readonly denylist: SimulatedDenylist,
  ) {}

  warmUp(): void {
    this.grant('authorization-code');
    this.revoke();
    this.readAsJwt();
  }

  step(seconds: number): void {
    const { random } = this.context;
    for (let n = this.context.perLogin(GRANTS_PER_LOGIN, seconds); n > 0; n -= 1) this.grant(random.pick(GRANTS));
    for (let n = this.context.perLogin(REVOCATIONS_PER_LOGIN, seconds); n > 0; n -= 1) this.revoke();
    for (let n = this.context.perLogin(JWT_READS_PER_LOGIN, seconds); n > 0; n -= 1) this.readAsJwt();
  }

  private grant(grantType: GrantType): void {
    const { am, random } = this.context;
    const state = GRANT_STATE[grantType];
    if (state !== undefined) this.cts.run('read', state);
    if (grantType === 'refresh') this.cts.run('read', 'oauth2');
    am.oauth2.grant(grantType);
    for (const [tokenType, probability] of [['access-token', 1] as const, ...(EXTRA_TOKENS[grantType] ?? [])]) {
      if (!random.chance(probability)) continue;
      am.oauth2.tokenIssued(tokenType);
      const isStateless = tokenType === 'access-token' && random.chance(STATELESS_SHARE);
      this.cts.run('create', isStateless ? 'oauth2-stateless-grant' : 'oauth2');
    }
    if (grantType === 'authorization-code') this.cts.run('delete', 'oauth2');
  }

  /** A client revokes a token: AM revokes its access token and its grant, and denylists it. */
  private revoke(): void {
    const { am } = this.context;
    am.oauth2.tokenRevoked('access-token');
    am.oauth2.grantRevoked();
    this.cts.run('read', 'oauth2-grant-set');
    this.cts.run('delete', 'oauth2');
    this.denylist.add('oauth2');
  }

  /** A resource server presents a token read as a JWT; its signature is checked, then the denylist. */
  private readAsJwt(): void {
    const outcome = this.context.outcome(BASE_JWT_FAILURE);
    this.context.am.oauth2.readAsJwt(this.context.latency(JWT_READ_MEDIAN_SECONDS, this.context.conditions.serviceLatency), outcome);
    if (outcome === 'success') this.denylist.check('oauth2');
  }
}
