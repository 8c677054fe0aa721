export * from './wire/header.js';
export {
  startEmbeddedMongo,
  startMongoServer,
  type EmbeddedMongo,
  type EmbeddedMongoOptions,
  type Logger,
  type MongoServer,
  type MongoServerOptions,
} from './server.js';
export { MongoCommandError, ErrorCode } from './errors.js';
