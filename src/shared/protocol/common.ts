/**
 * What the message contracts of every view share: a few messages most views send, and the
 * handler table both sides use so that every message of a contract is handled (a message added
 * to a union and not handled is a compile error, on the host and in the webview).
 */

/** Webview → host: the page is loaded and listening. */
export type Ready = { type: 'ready' };
/** Host → webview: the view cannot show its data; the message says why (file and place). */
export type ErrorMessage = { type: 'error'; message: string };
/** Webview → host: save a table as CSV (the host asks where). */
export type ExportCsv = { type: 'exportCsv'; name: string; csv: string };
/** Webview → host: open a source file at a line (mapped to the workspace). */
export type OpenSource = { type: 'openSource'; file: string; line?: number };

export type Message = { type: string };

/** One handler per message type of `M`. */
export type Handlers<M extends Message> = { [K in M['type']]: (m: Extract<M, { type: K }>) => unknown };

/** Calls the handler of `m`'s type. */
export function dispatch<M extends Message>(handlers: Handlers<M>, m: M): unknown {
  const handler = handlers[m.type as M['type']] as ((m: M) => unknown) | undefined;
  if (!handler) throw new Error(`no handler for a message of type ${JSON.stringify(m.type)}`);
  return handler(m);
}
