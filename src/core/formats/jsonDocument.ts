/**
 * JSON documents whose errors must point at a place: syntax errors as line:column (jsonc-parser
 * finds them), field errors as the line of the field and its path (`benchmarks[2].runs`).
 */
import {
  findNodeAtLocation,
  parse,
  parseTree,
  printParseErrorCode,
  type Node,
  type ParseError,
} from 'jsonc-parser/lib/esm/main.js';
import { FormatError } from './formatError';

export type JsonPath = (string | number)[];

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

export function pathText(path: JsonPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(top level)';
}

export class JsonDocument {
  private tree?: Node;

  private constructor(
    readonly file: string,
    readonly text: string,
    readonly value: unknown,
  ) {}

  /** Parses `text`; `comments` allows // and block comments (settings-like files). */
  static parse(file: string, text: string, options: { comments?: boolean } = {}): JsonDocument {
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    if (!options.comments) {
      try {
        return new JsonDocument(file, body, JSON.parse(body));
      } catch {
        // fall through: jsonc-parser says where
      }
    }
    if (body.trim() === '') throw new FormatError(file, '1:1', 'expected a JSON document, the file is empty');
    const errors: ParseError[] = [];
    let value: unknown;
    try {
      value = parse(body, errors, { allowTrailingComma: !!options.comments, disallowComments: !options.comments });
    } catch (e) {
      // jsonc-parser recurses per nesting level: thousands of open brackets exhaust the stack.
      if (e instanceof RangeError) throw new FormatError(file, '1:1', 'invalid JSON (nested too deeply)');
      throw e;
    }
    if (errors.length > 0) {
      const e = errors[0];
      const { line, column } = lineColumn(body, e.offset);
      throw new FormatError(file, `${line}:${column}`, `invalid JSON (${printParseErrorCode(e.error)})`);
    }
    return new JsonDocument(file, body, value);
  }

  /** "12 (benchmarks[2].runs)": the line of the value at `path` and the path, for messages. */
  place(path: JsonPath): string {
    try {
      this.tree ??= parseTree(this.text, [], { allowTrailingComma: true, disallowComments: false });
    } catch {
      this.tree = undefined; // too deep to map to lines: the path alone still says where
    }
    let node: Node | undefined;
    for (let n = path.length; n >= 0 && !node; n--)
      node = this.tree ? findNodeAtLocation(this.tree, path.slice(0, n)) : undefined;
    const line = node ? lineColumn(this.text, node.offset).line : 1;
    return `${line} (${pathText(path)})`;
  }

  error(path: JsonPath, expected: string): FormatError {
    return new FormatError(this.file, this.place(path), expected);
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
