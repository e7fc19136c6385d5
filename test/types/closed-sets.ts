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
