// The `vscode` module, imported in this one place. The bundler turns every `import * as vscode
// from 'vscode'` of an external module into a copy of all its properties, once per importing
// file: with forty files that was measurable in activate(). Through this module the API object is
// wrapped once, and every file uses the same binding.
import * as vscode from 'vscode';

export { vscode };
