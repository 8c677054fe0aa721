/**
 * A violation of the wire protocol (bad length, unknown opcode, broken section).
 * The connection that sent it is closed; the server keeps running.
 */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}
