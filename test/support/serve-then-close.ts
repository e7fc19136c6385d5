// Child process of the secret-rotation test: serves HTTPS from the watched files in the directory
// given as argument, closes the server, and must then exit by itself (nothing left holding the loop).
import { join } from 'node:path';
import { Registry } from '../../src/index.js';
import { authSourceFromEnvironment } from '../../src/http/auth-environment.js';
import { startServer } from '../../src/server.js';

const dir = process.argv[2] ?? '.';
const server = await startServer({
  source: new Registry(),
  port: 0,
  host: '127.0.0.1',
  tls: { cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') },
  auth: authSourceFromEnvironment({ METRICS_USERNAME: 'prometheus', METRICS_PASSWORD_FILE: join(dir, 'password') }),
  filePollIntervalMs: 100,
});
await server.close();
