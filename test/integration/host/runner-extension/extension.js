// Runs the integration suites inside the extension host of a real VS Code (here code-server,
// which cannot be driven by @vscode/test-electron's download-and-launch). It calls the suites'
// `run()` exactly as @vscode/test-electron's extensionTestsPath would, and writes the outcome
// where the test driver waits for it.
const fs = require('fs');

exports.activate = async function activate() {
  const suite = process.env.FLAMELENS_INTEGRATION_SUITE;
  const resultPath = process.env.FLAMELENS_INTEGRATION_RESULT;
  if (!suite || !resultPath) return;
  const lines = [];
  const origLog = console.log;
  const origWrite = process.stdout.write.bind(process.stdout);
  console.log = (...a) => {
    lines.push(a.join(' '));
  };
  // mocha's reporters write to stdout directly.
  process.stdout.write = (chunk, ...rest) => {
    lines.push(String(chunk).replace(/\n$/, ''));
    return origWrite(chunk, ...rest);
  };
  let result;
  try {
    const mod = require(suite);
    const failures = await mod.run();
    result = { ok: failures === 0, failures, output: [...(mod.report || []), ...lines].join('\n') };
  } catch (e) {
    result = { ok: false, failures: -1, error: String((e && e.stack) || e), output: lines.join('\n') };
  } finally {
    console.log = origLog;
    process.stdout.write = origWrite;
  }
  fs.writeFileSync(resultPath + '.tmp', JSON.stringify(result));
  fs.renameSync(resultPath + '.tmp', resultPath);
};
