// OAuth 2.0 family: grants completed and revoked, tokens issued and revoked, tokens read as JWTs.
import { METRICS, type GrantType, type OAuth2TokenType, type Outcome, type RevokedTokenType } from './catalog.js';
import type { InstalledCatalog } from './install.js';
import { timeOutcome } from './timing.js';

/** Records what AM's OAuth 2.0 provider does. */
export interface OAuth2Metrics {
  /** A grant of `grantType` completed. */
  grant(grantType: GrantType): void;
  /** A grant was revoked (AM reports these with grant type `unknown`). */
  grantRevoked(): void;
  /** A token of `tokenType` was issued. */
  tokenIssued(tokenType: OAuth2TokenType): void;
  /** A token was revoked (AM documents access tokens only). */
  tokenRevoked(tokenType: RevokedTokenType): void;
  /** Reading a token as a JWT took `seconds` and ended with `outcome`. */
  readAsJwt(seconds: number, outcome: Outcome): void;
  /** Runs and times reading a token as a JWT; success if it resolves, failure if it throws. */
  timeReadAsJwt<T>(read: () => T | Promise<T>): Promise<T>;
}

export function oauth2Metrics(catalog: InstalledCatalog): OAuth2Metrics {
  const grants = catalog.summary(METRICS.oauth2Grants);
  const revokedGrants = catalog.summary(METRICS.oauth2GrantRevocations);
  const issued = catalog.summary(METRICS.oauth2TokensIssued);
  const revoked = catalog.summary(METRICS.oauth2TokensRevoked);
  const jwtReads = catalog.timer(METRICS.oauth2TokenReadsAsJwt);
  const readAsJwt = (seconds: number, outcome: Outcome): void => jwtReads.observe({ outcome }, seconds);
  return {
    grant: (grantType) => grants.record({ grant_type: grantType }),
    grantRevoked: () => revokedGrants.record({ grant_type: 'unknown' }),
    tokenIssued: (tokenType) => issued.record({ token_type: tokenType }),
    tokenRevoked: (tokenType) => revoked.record({ token_type: tokenType }),
    readAsJwt,
    timeReadAsJwt: (read) => timeOutcome(catalog.registry.clock, jwtReads, (outcome) => ({ outcome }), read),
  };
}
