/**
 * Child process: the embedded MongoDB-compatible server, in memory, on its own event loop
 * (as a database runs beside the API in production). Reports `{ uri }` over IPC.
 */
import { startEmbeddedMongo } from '@invoice/mongo-embedded';
import { serveUntilTerminated } from './child.js';

const mongo = await startEmbeddedMongo();
serveUntilTerminated({ uri: mongo.uri }, () => mongo.stop());
