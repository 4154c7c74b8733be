/** A pickle that cannot be read: where (the byte offset of the opcode) and why. */
export class PickleError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}
