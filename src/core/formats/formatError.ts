/**
 * The one error every parser throws for bad input: it names the file, the place (line or byte
 * offset) and what was expected, so a user can find and fix the problem.
 */
export class FormatError extends Error {
  constructor(
    readonly file: string,
    readonly place: string,
    readonly expected: string,
  ) {
    super(`${file}${place ? `:${place}` : ''}: ${expected}`);
    this.name = 'FormatError';
  }
}
