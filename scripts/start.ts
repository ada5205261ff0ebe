// `npm start`: build the client if needed, then run the server in this process.
import { buildIfStale } from './build-if-stale';

buildIfStale(process.cwd());
await import('../src/node/server/main');
