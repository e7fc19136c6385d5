// Compile-time checks (run by test/types.test.ts): each @ts-expect-error line must fail to compile.
import { createAmMetrics } from '../../src/index.js';

const am = createAmMetrics({ podName: 'am-0' });
// @ts-expect-error -- 'sucess' is not an authentication outcome
am.authentication.outcome('sucess');
// @ts-expect-error -- 'oauth3' is not a CTS token type
am.cts.task({ operation: 'create', tokenType: 'oauth3' }, 0.1, 'success');
// @ts-expect-error -- session timeouts are idle-timeout or max-timeout only
am.session.timeout('logout', 'cts-based');
// @ts-expect-error -- denylist types use AM's underscore spelling
am.denylist.check('session-client-based', true);
// @ts-expect-error -- policy evaluation outcomes are success or failure, not allow
am.authorization.evaluation('oauth2Scopes', 0.01, 'allow');
am.authentication.outcome('timeout');

// Scrape-time gauges take their catalogue labels, typed.
am.cts.connectionState.track(() => 1, { status: 'out' });
// @ts-expect-error -- 'idle' is not a CTS connection status
am.cts.connectionState.track(() => 1, { status: 'idle' });
// @ts-expect-error -- the label is status, not state
am.cts.connectionState.track(() => 1, { state: 'out' });
// @ts-expect-error -- a labelled gauge needs its labels
am.cts.connectionState.track(() => 1);
am.session.cacheSize.track(() => 3);
am.session.storeSize.track(() => 2, { session_type: 'authentication-in-memory' });
// @ts-expect-error -- the in-memory store's gauge counts only authentication-in-memory sessions
am.session.storeSize.track(() => 1, { session_type: 'cts-based' });
// @ts-expect-error -- a gauge without labels takes none
am.session.cacheSize.track(() => 1, { session_type: 'cts-based' });
