// The connection of a view to the extension host: messages typed by the view's contract
// (src/shared/protocol/<view>.ts), each delivered to its own handler. In the standalone HTML
// report there is no host: connectHost returns undefined and the view renders embedded data.
import { dispatch, type Handlers, type Message } from '../../src/shared/protocol/common';
import { vscodeApi } from './dom';

export interface Host<ToHost extends Message> {
  post(m: ToHost): void;
}

export function connectHost<ToHost extends Message, ToWebview extends Message>(
  handlers: Handlers<ToWebview>,
): Host<ToHost> | undefined {
  const api = vscodeApi();
  if (!api) return undefined;
  window.addEventListener('message', (e: MessageEvent<ToWebview>) => void dispatch(handlers, e.data));
  return { post: (m) => api.postMessage(m) };
}
